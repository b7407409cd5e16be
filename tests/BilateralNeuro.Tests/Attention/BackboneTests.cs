using BilateralNeuro.Backbones;
using FluentAssertions;
using TorchSharp;
using Xunit;
using BilateralNeuro.Attention;

namespace BilateralNeuro.Tests.Attention;

public class BackboneTests
{
    // torchvision.models.alexnet().state_dict(): key -> shape
    private static readonly (string Key, long[] Shape)[] TorchvisionAlexNet =
    [
        ("features.0.weight", [64, 3, 11, 11]), ("features.0.bias", [64]),
        ("features.3.weight", [192, 64, 5, 5]), ("features.3.bias", [192]),
        ("features.6.weight", [384, 192, 3, 3]), ("features.6.bias", [384]),
        ("features.8.weight", [256, 384, 3, 3]), ("features.8.bias", [256]),
        ("features.10.weight", [256, 256, 3, 3]), ("features.10.bias", [256]),
        ("classifier.1.weight", [4096, 9216]), ("classifier.1.bias", [4096]),
        ("classifier.4.weight", [4096, 4096]), ("classifier.4.bias", [4096]),
        ("classifier.6.weight", [1000, 4096]), ("classifier.6.bias", [1000]),
    ];

    // torchvision.models.vgg11/13/16().state_dict(): conv indices and channels (3x3 kernels), then the classifier
    private static readonly Dictionary<int, (int Index, int In, int Out)[]> TorchvisionVggConvs = new()
    {
        [11] = [(0, 3, 64), (3, 64, 128), (6, 128, 256), (8, 256, 256), (11, 256, 512), (13, 512, 512), (16, 512, 512), (18, 512, 512)],
        [13] = [(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256), (15, 256, 512), (17, 512, 512), (20, 512, 512), (22, 512, 512)],
        [16] = [(0, 3, 64), (2, 64, 64), (5, 64, 128), (7, 128, 128), (10, 128, 256), (12, 256, 256), (14, 256, 256), (17, 256, 512), (19, 512, 512), (21, 512, 512), (24, 512, 512), (26, 512, 512), (28, 512, 512)],
    };

    private static List<(string, long[])> StateShapes(torch.nn.Module m) =>
        m.state_dict().Select(kv => (kv.Key, kv.Value.shape)).ToList();

    [Fact]
    public void AlexNet_state_dict_matches_torchvision_keys_and_shapes()
    {
        using var net = new AlexNet();
        var got = StateShapes(net);
        got.Select(g => g.Item1).Should().Equal(TorchvisionAlexNet.Select(e => e.Key));
        for (int i = 0; i < got.Count; i++) got[i].Item2.Should().Equal(TorchvisionAlexNet[i].Shape, got[i].Item1);
    }

    [Theory]
    [InlineData(11)]
    [InlineData(13)]
    [InlineData(16)]
    public void Vgg_state_dict_matches_torchvision_keys_and_shapes(int depth)
    {
        var expected = new List<(string, long[])>();
        foreach (var (i, cin, cout) in TorchvisionVggConvs[depth])
        {
            expected.Add(($"features.{i}.weight", [cout, cin, 3, 3]));
            expected.Add(($"features.{i}.bias", [cout]));
        }
        expected.Add(("classifier.0.weight", [4096, 25088])); expected.Add(("classifier.0.bias", [4096]));
        expected.Add(("classifier.3.weight", [4096, 4096])); expected.Add(("classifier.3.bias", [4096]));
        expected.Add(("classifier.6.weight", [1000, 4096])); expected.Add(("classifier.6.bias", [1000]));
        using var net = new Vgg(depth);
        var got = StateShapes(net);
        got.Select(g => g.Item1).Should().Equal(expected.Select(e => e.Item1));
        for (int i = 0; i < got.Count; i++) got[i].Item2.Should().Equal(expected[i].Item2, got[i].Item1);
    }

    [Fact]
    public void Vgg11_bn_has_torchvision_batch_norm_keys()
    {
        using var net = Vgg.Vgg11(width: 0.125, batchNorm: true);
        var keys = net.state_dict().Keys.ToList();
        // torchvision vgg11_bn: conv at 0, BN at 1 (weight, bias, running_mean, running_var, num_batches_tracked), ReLU 2, pool 3, conv 4
        keys.Should().Contain(["features.0.weight", "features.1.running_mean", "features.1.num_batches_tracked", "features.4.weight", "features.25.weight"]);
        keys.Should().NotContain("features.2.weight");
    }

    [Theory]
    [InlineData("alexnet", 64)]
    [InlineData("alexnet", 96)]
    [InlineData("vgg11", 32)]
    [InlineData("vgg16", 64)]
    public void Narrow_networks_accept_small_images(string arch, int size)
    {
        using var net = arch == "alexnet" ? (torch.nn.Module<torch.Tensor, torch.Tensor>)new AlexNet(5, width: 0.125) : arch == "vgg11" ? Vgg.Vgg11(5, 0.125) : Vgg.Vgg16(5, 0.125);
        using var y = net.call(torch.randn(2, 3, size, size));
        y.shape.Should().Equal(2, 5);
    }

    [Fact]
    public void Too_small_image_is_rejected_with_a_message()
    {
        using var net = new AlexNet(2, width: 0.125);
        var act = () => net.call(torch.randn(1, 3, 40, 40));
        act.Should().Throw<ArgumentException>().WithMessage("*AlexNet*63x63*");
    }

    [Fact]
    public void Exported_weights_load_with_one_call_through_the_builder()
    {
        var path = Path.Combine(Path.GetTempPath(), $"alexnet-{Guid.NewGuid():N}.dat");
        try
        {
            using (var source = new AlexNet(1000, width: 0.125)) source.save(path);
            using var reference = new AlexNet(1000, width: 0.125);
            reference.load(path);
            using var model = TransferModels.AlexNet().Width(0.125).Pretrained(path).Classes(2).Build();
            var a = model.state_dict()["features.3.weight"];
            a.allclose(reference.state_dict()["features.3.weight"]).Should().BeTrue();
            model.state_dict()["classifier.4.weight"].allclose(reference.state_dict()["classifier.4.weight"]).Should().BeTrue();
            model.state_dict()["classifier.6.weight"].shape.Should().Equal(2, 512);
        }
        finally { File.Delete(path); }
    }
}
