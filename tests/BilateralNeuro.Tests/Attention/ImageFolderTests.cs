using BilateralNeuro.Analysis;
using BilateralNeuro.Data;
using FluentAssertions;
using SkiaSharp;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Attention;

public class ImageFolderTests
{
    [Fact]
    public void Reads_class_folders_of_png_and_jpeg_centre_cropped_and_resized()
    {
        var root = Directory.CreateTempSubdirectory("imagefolder").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "negative"));
            Directory.CreateDirectory(Path.Combine(root, "positive"));
            // a 40x20 PNG: left half red, right half blue -> centre crop 20x20 is half red, half blue
            var img = torch.zeros(3, 20, 40);
            img[0, .., ..20] = 1;
            img[2, .., 20..] = 1;
            PngWriter.Write(Path.Combine(root, "negative", "a.png"), img);
            // a green 16x16 JPEG written by Skia
            using (var bmp = new SKBitmap(16, 16))
            {
                bmp.Erase(new SKColor(0, 255, 0));
                using var data = SKImage.FromBitmap(bmp).Encode(SKEncodedImageFormat.Jpeg, 95);
                File.WriteAllBytes(Path.Combine(root, "positive", "b.jpg"), data.ToArray());
            }
            File.WriteAllText(Path.Combine(root, "positive", "notes.txt"), "ignored");

            using var set = ImageFolder.Load(root, 8, level: "valence");
            set.Count.Should().Be(2);
            set.Images.shape.Should().Equal(2, 3, 8, 8);
            set.ClassNames["valence"].Should().Equal("negative", "positive");
            set.Labels["valence"].data<long>().ToArray().Should().Equal(0L, 1L);
            var png = set.Images[0].to(torch.float32);
            png[0, 4, 0].item<float>().Should().BeGreaterThan(200);  // left: red
            png[2, 4, 7].item<float>().Should().BeGreaterThan(200);  // right: blue
            png[0, 4, 7].item<float>().Should().BeLessThan(50);
            var jpg = set.Images[1].to(torch.float32);
            jpg[1].mean().item<float>().Should().BeGreaterThan(240);
            jpg[0].mean().item<float>().Should().BeLessThan(20);
        }
        finally { Directory.Delete(root, true); }
    }

    [Fact]
    public void Corrupt_image_throws_invalid_data_naming_the_file()
    {
        var root = Directory.CreateTempSubdirectory("imagefolder").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "happy"));
            var bad = Path.Combine(root, "happy", "broken.jpg");
            File.WriteAllBytes(bad, [0xFF, 0xD8, 0xFF, 0x00, 1, 2, 3]);
            var act = () => ImageFolder.Load(root, 16);
            act.Should().Throw<InvalidDataException>().WithMessage($"*{bad}*");
        }
        finally { Directory.Delete(root, true); }
    }
}
