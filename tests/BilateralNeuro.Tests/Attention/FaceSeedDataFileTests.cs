using BilateralNeuro.Data;
using BilateralNeuro.Experiments;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Attention;

public class FaceSeedDataFileTests
{
    [Fact]
    public void Rendered_sets_and_morphs_read_back_bit_for_bit_and_a_damaged_file_reads_as_absent()
    {
        var gen = new FaceGenerator(new FaceGeneratorOptions { Size = 64 });
        var ids = gen.SampleIdentities(2, seed: 1);
        using var train = gen.ValenceSet(ids, 4, seed: 2);
        using var test = gen.ValenceSet(gen.SampleIdentities(2, seed: 3, firstId: 50), 4, seed: 4, name: "faces/valence-test");
        using var morph = gen.AveragedContinuum(ids, seed: 5, FaceOcclusion.Mouth, 5);
        string dir = Path.Combine(Path.GetTempPath(), "bn-face-seed-" + Guid.NewGuid().ToString("N")[..8]);
        string file = Path.Combine(dir, "valence-sets.bin");
        try
        {
            FaceSeedDataFile.TryRead(file).Should().BeNull("nothing written yet");
            FaceSeedDataFile.Write(file, [train, test], [morph]);
            var read = FaceSeedDataFile.TryRead(file);
            read.Should().NotBeNull();
            var (sets, morphs) = read!.Value;
            try
            {
                sets.Should().HaveCount(2);
                foreach (var (a, b) in new[] { (train, sets[0]), (test, sets[1]), (morph.Images, morphs[0].Images) })
                {
                    b.Name.Should().Be(a.Name);
                    b.Images.dtype.Should().Be(torch.ScalarType.Byte);
                    b.Images.shape.Should().Equal(a.Images.shape);
                    b.Images.equal(a.Images).all().item<bool>().Should().BeTrue();
                    b.Labels.Keys.Should().BeEquivalentTo(a.Labels.Keys);
                    foreach (var (level, t) in a.Labels) b.Labels[level].equal(t).all().item<bool>().Should().BeTrue(level);
                    b.ClassNames.Keys.Should().BeEquivalentTo(a.ClassNames.Keys);
                }
                morphs[0].Levels.Should().Equal(morph.Levels);
                morphs[0].Occlusion.Should().Be(FaceOcclusion.Mouth);
            }
            finally
            {
                foreach (var s in sets) s.Dispose();
                foreach (var m in morphs) m.Dispose();
            }

            var bytes = File.ReadAllBytes(file);
            bytes[bytes.Length / 2] ^= 0xff;
            File.WriteAllBytes(file, bytes);
            FaceSeedDataFile.TryRead(file).Should().BeNull("the checksum no longer matches");
            File.WriteAllBytes(file, bytes[..100]);
            FaceSeedDataFile.TryRead(file).Should().BeNull("a partial file");
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }
}
