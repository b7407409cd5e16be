using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>Oriented Gabor filters used to initialise the amplitude convolution of KomplexNet.</summary>
public static class GaborBank
{
    /// <summary>
    /// <paramref name="count"/> even (cosine) Gabor filters of size <paramref name="size"/>, orientations kπ/count,
    /// wavelength 4 px, envelope σ = size/3.5, zero mean and unit L2 norm; shape (count, inChannels, size, size)
    /// (repeated over input channels and divided by their number).
    /// </summary>
    public static Tensor Create(int count, int size = 5, int inChannels = 1, double wavelength = 4.0)
    {
        if (count < 1 || size < 1 || inChannels < 1) throw new ArgumentOutOfRangeException(nameof(count), "GaborBank: count, size and channels must be positive.");
        var data = new float[count * size * size];
        double sigma = size / 3.5, c = (size - 1) / 2.0;
        for (int k = 0; k < count; k++)
        {
            double th = Math.PI * k / count, sum = 0, sq = 0;
            var f = new double[size * size];
            for (int y = 0; y < size; y++)
            for (int x = 0; x < size; x++)
            {
                double dx = x - c, dy = y - c;
                double xr = dx * Math.Cos(th) + dy * Math.Sin(th), yr = -dx * Math.Sin(th) + dy * Math.Cos(th);
                double v = Math.Exp(-(xr * xr + yr * yr) / (2 * sigma * sigma)) * Math.Cos(2 * Math.PI * yr / wavelength);
                f[y * size + x] = v;
                sum += v;
            }
            double mean = sum / f.Length;
            for (int i = 0; i < f.Length; i++) { f[i] -= mean; sq += f[i] * f[i]; }
            double norm = Math.Sqrt(Math.Max(sq, 1e-12));
            for (int i = 0; i < f.Length; i++) data[k * f.Length + i] = (float)(f[i] / norm);
        }
        using var t = torch.tensor(data).reshape(count, 1, size, size);
        return (t.repeat(1, inChannels, 1, 1) / inChannels).contiguous();
    }
}
