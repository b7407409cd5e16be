using BilateralNeuro.Data;
using FluentAssertions;
using TorchSharp;
using Xunit;

namespace BilateralNeuro.Tests.Data;

public class Cifar100HierarchyTableTests
{
    // The 20 CIFAR-100 superclasses and their five classes each, as listed on the dataset's page, by name.
    private static readonly (string Coarse, string[] Fine)[] Superclasses =
    [
        ("aquatic_mammals", ["beaver", "dolphin", "otter", "seal", "whale"]),
        ("fish", ["aquarium_fish", "flatfish", "ray", "shark", "trout"]),
        ("flowers", ["orchid", "poppy", "rose", "sunflower", "tulip"]),
        ("food_containers", ["bottle", "bowl", "can", "cup", "plate"]),
        ("fruit_and_vegetables", ["apple", "mushroom", "orange", "pear", "sweet_pepper"]),
        ("household_electrical_devices", ["clock", "keyboard", "lamp", "telephone", "television"]),
        ("household_furniture", ["bed", "chair", "couch", "table", "wardrobe"]),
        ("insects", ["bee", "beetle", "butterfly", "caterpillar", "cockroach"]),
        ("large_carnivores", ["bear", "leopard", "lion", "tiger", "wolf"]),
        ("large_man-made_outdoor_things", ["bridge", "castle", "house", "road", "skyscraper"]),
        ("large_natural_outdoor_scenes", ["cloud", "forest", "mountain", "plain", "sea"]),
        ("large_omnivores_and_herbivores", ["camel", "cattle", "chimpanzee", "elephant", "kangaroo"]),
        ("medium_mammals", ["fox", "porcupine", "possum", "raccoon", "skunk"]),
        ("non-insect_invertebrates", ["crab", "lobster", "snail", "spider", "worm"]),
        ("people", ["baby", "boy", "girl", "man", "woman"]),
        ("reptiles", ["crocodile", "dinosaur", "lizard", "snake", "turtle"]),
        ("small_mammals", ["hamster", "mouse", "rabbit", "shrew", "squirrel"]),
        ("trees", ["maple_tree", "oak_tree", "palm_tree", "pine_tree", "willow_tree"]),
        ("vehicles_1", ["bicycle", "bus", "motorcycle", "pickup_truck", "train"]),
        ("vehicles_2", ["lawn_mower", "rocket", "streetcar", "tank", "tractor"]),
    ];

    [Fact]
    public void Constant_table_agrees_with_every_superclass_list()
    {
        var h = Cifar100Hierarchy.Instance;
        h.CoarseNames.Should().Equal(Superclasses.Select(s => s.Coarse));
        h.FineNames.Should().Equal(Superclasses.SelectMany(s => s.Fine).Order(StringComparer.Ordinal), "fine ids are alphabetical");
        for (int c = 0; c < Superclasses.Length; c++)
            foreach (var fine in Superclasses[c].Fine)
                h.FineToCoarse[h.FineNames.ToList().IndexOf(fine)].Should().Be(c, $"'{fine}' belongs to '{Superclasses[c].Coarse}'");
        h.FineToCoarse[4].Should().Be(0, "fine 4 'beaver' -> coarse 0 'aquatic_mammals'");
    }

    [Fact]
    public void Apply_maps_fine_to_coarse_and_refuses_labels_outside_the_table()
    {
        using var images = torch.zeros(3, 1, 2, 2, dtype: torch.ScalarType.Byte);
        using var set = new LabeledImages("t", images, new Dictionary<string, torch.Tensor> { [LabelLevels.Fine] = torch.tensor(new long[] { 9, 8, 1 }) });
        var mapped = LabelHierarchy.FashionMnist.Apply(set);
        mapped.Labels[LabelLevels.Coarse].data<long>().ToArray().Should().Equal(2, 3, 1);
        mapped.ClassNames[LabelLevels.Coarse][3].Should().Be("bags");

        using var badImages = torch.zeros(1, 1, 2, 2, dtype: torch.ScalarType.Byte);
        using var bad = new LabeledImages("bad", badImages, new Dictionary<string, torch.Tensor> { [LabelLevels.Fine] = torch.tensor(new long[] { 10 }) });
        var act = () => LabelHierarchy.FashionMnist.Apply(bad);
        act.Should().Throw<ArgumentException>().WithMessage("*10..10*0..9*");
    }

    [Fact]
    public void Fashion_mnist_groups_are_as_specified()
    {
        var h = LabelHierarchy.FashionMnist;
        int[][] groups = [[0, 2, 4, 6], [1, 3], [5, 7, 9], [8]];
        for (int c = 0; c < groups.Length; c++)
            foreach (var f in groups[c]) h.FineToCoarse[f].Should().Be(c);
        h.CoarseNames.Should().Equal("tops", "lower/dress", "footwear", "bags");
    }
}
