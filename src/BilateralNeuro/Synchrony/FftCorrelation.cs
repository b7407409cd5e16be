using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// "Same" cross-correlation of real maps (B, C_in, H, W) with a real kernel (C_out, C_in, k, k), k odd, through
/// real FFTs of size L_h × L_w with L = smooth(H + k/2): the smallest transform that keeps every output pixel free of
/// circular wrap-around (the full linear correlation is never needed, only its centre). Channels are mixed per
/// frequency by C_in complex multiply-adds on contiguous spectra, so no layout copies are made.
/// The backward pass is written by hand (<see cref="FftCorrelationFunction"/>): it saves only the real input (as the
/// direct convolution does) and recomputes its spectrum, and it runs the adjoint correlation and the kernel gradient
/// through the same transforms.
/// </summary>
internal sealed class FftCorrelation
{
    /// <summary>Prepares the transforms for maps of <paramref name="height"/> × <paramref name="width"/>.</summary>
    public FftCorrelation(Tensor kernel, long height, long width)
    {
        Kernel = kernel;
        KernelSize = (int)kernel.shape[2];
        Pad = KernelSize / 2;
        Height = height;
        Width = width;
        Lh = CouplingPlan.SmoothSize(height + Pad);
        Lw = CouplingPlan.SmoothSize(width + Pad);
        using var _ = torch.no_grad();
        var k = kernel.detach();
        // Correlation with K = convolution with K flipped; its adjoint is correlation with Kᵀ flipped = convolution with Kᵀ.
        Forward = torch.fft.rfft2(k.flip(2, 3), s: [Lh, Lw]).reshape(k.shape[0], k.shape[1], -1);
        Adjoint = torch.fft.rfft2(k.transpose(0, 1), s: [Lh, Lw]).reshape(k.shape[1], k.shape[0], -1);
    }

    public Tensor Kernel { get; }
    public int KernelSize { get; }
    public int Pad { get; }
    public long Height { get; }
    public long Width { get; }
    public long Lh { get; }
    public long Lw { get; }
    /// <summary>Spectrum of the flipped kernel (C_out, C_in, F).</summary>
    public Tensor Forward { get; }
    /// <summary>Spectrum of the transposed kernel (C_in, C_out, F): the adjoint correlation.</summary>
    public Tensor Adjoint { get; }

    /// <summary>Forward correlation, differentiable in the input and the kernel.</summary>
    public Tensor Apply(Tensor x)
    {
        bool differentiable = torch.is_grad_enabled() && (x.requires_grad || Kernel.requires_grad);
        return differentiable ? FftCorrelationFunction.apply(x, Kernel, Adjoint, this) : Correlate(x, Forward, Pad);
    }

    /// <summary>Spectrum (B, C, F) of real maps (B, C, H, W) zero-padded to L_h × L_w.</summary>
    public Tensor Spectrum(Tensor x) => torch.fft.rfft2(x, s: [Lh, Lw]).reshape(x.shape[0], x.shape[1], -1);

    /// <summary>"Same" correlation of x with the kernel whose spectrum is <paramref name="spectrum"/>, cropped at <paramref name="offset"/>.</summary>
    public Tensor Correlate(Tensor x, Tensor spectrum, int offset)
    {
        using var scope = NewDisposeScope();
        using var xs = Spectrum(x);
        using var mixed = Mix(xs, spectrum);
        return FromSpectrum(mixed, offset).MoveToOuterDisposeScope();
    }

    /// <summary>Inverse transform of (B, C, F) and the H × W crop at <paramref name="offset"/>, contiguous.</summary>
    public Tensor FromSpectrum(Tensor y, int offset)
    {
        using var full = torch.fft.irfft2(y.reshape(y.shape[0], y.shape[1], Lh, Lw / 2 + 1), s: [Lh, Lw]);
        return full.narrow(2, offset, Height).narrow(3, offset, Width).contiguous();
    }

    /// <summary>y[n, o, f] = Σ_c x[n, c, f]·s[o, c, f] for x (B, C_in, F) and s (C_out, C_in, F).</summary>
    public static Tensor Mix(Tensor x, Tensor s)
    {
        var y = x.narrow(1, 0, 1) * s.select(1, 0);
        for (int c = 1; c < x.shape[1]; c++) y.addcmul_(x.narrow(1, c, 1), s.select(1, c), 1);
        return y;
    }

    /// <summary>p[o, c, f] = Σ_n conj(g[n, o, f])·x[n, c, f] as C broadcast products and batch sums (LibTorch ops).</summary>
    internal static Tensor ConjProductSum(Tensor g, Tensor x)
    {
        using var scope = NewDisposeScope();
        var gc = g.conj();
        var rows = new Tensor[g.shape[1]];
        for (int o = 0; o < rows.Length; o++)
        {
            using var product = gc.narrow(1, o, 1) * x;   // (B, C_in, F): freed at once, not at the end of the scope
            rows[o] = product.sum(0L);
        }
        return torch.stack(rows, 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∂L/∂K for gradient spectra G (B, C_out, F) and input spectra X (B, C_in, F): the circular correlation
    /// Σ_n conj(G[n, o]) X[n, c] at lags −k/2..k/2, which equals the linear one because L ≥ H + k/2.
    /// </summary>
    public Tensor KernelGradient(Tensor g, Tensor x)
    {
        using var scope = NewDisposeScope();
        var r = torch.fft.irfft2(ConjProductSum(g, x).reshape(g.shape[1], x.shape[1], Lh, Lw / 2 + 1), s: [Lh, Lw]);
        return r.roll([Pad, Pad], [2, 3]).narrow(2, 0, KernelSize).narrow(3, 0, KernelSize).contiguous().MoveToOuterDisposeScope();
    }
}

/// <summary>The autograd node of <see cref="FftCorrelation"/> (input x, kernel K; hand-written backward).</summary>
internal sealed class FftCorrelationFunction : torch.autograd.SingleTensorFunction<FftCorrelationFunction>
{
    public override string Name => "KuramotoFftCorrelation";

    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var kernel = (Tensor)vars[1];
        var adjoint = (Tensor)vars[2];
        var plan = (FftCorrelation)vars[3];
        ctx.save_for_backward([x, adjoint]);   // the real input only; its spectrum is recomputed in backward
        ctx.save_data("plan", plan);
        ctx.save_data("grads", (x.requires_grad, kernel.requires_grad));
        return plan.Correlate(x, plan.Forward, plan.Pad);
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var plan = (FftCorrelation)ctx.get_data("plan");
        var (inputGrad, kernelGrad) = ((bool, bool))ctx.get_data("grads");
        var saved = ctx.get_saved_variables();
        using var scope = NewDisposeScope();
        // In two halves of the batch (the cos and the sin maps), so the complex spectra alive at once are half as
        // large: the backward pass then needs no more memory than the direct convolution's.
        long b = gradOutput.shape[0], half = (b + 1) / 2;
        Tensor? gx = inputGrad ? torch.empty_like(gradOutput) : null;
        Tensor? gk = null;
        for (long start = 0; start < b; start += half)
        {
            long n = Math.Min(half, b - start);
            using var chunk = NewDisposeScope();
            using var g = plan.Spectrum(gradOutput.narrow(0, start, n));
            if (gx is not null)
            {
                using var mixed = FftCorrelation.Mix(g, saved[1]);
                gx.narrow(0, start, n).copy_(plan.FromSpectrum(mixed, plan.Pad));
            }
            if (kernelGrad)
            {
                using var x = plan.Spectrum(saved[0].narrow(0, start, n));
                var part = plan.KernelGradient(g, x);
                if (gk is null) gk = part.MoveToOuterDisposeScope(); else gk.add_(part);
            }
        }
        gx?.MoveToOuterDisposeScope();
        gk?.MoveToOuterDisposeScope();
        return [gx!, gk!, null!, null!];
    }
}
