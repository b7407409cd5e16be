namespace BilateralNeuro.Data;

/// <summary>Per-channel mean and standard deviation applied after scaling pixels to [0, 1].</summary>
public sealed record Normalization(double[] Mean, double[] Std)
{
    /// <summary>CIFAR-100's statistics as used by the bilateral paper.</summary>
    public static Normalization Cifar100 { get; } = new([0.5071, 0.4867, 0.4408], [0.2675, 0.2565, 0.2761]);
    /// <summary>Fashion-MNIST's statistics.</summary>
    public static Normalization FashionMnist { get; } = new([0.2860], [0.3530]);
    /// <summary>MNIST's statistics.</summary>
    public static Normalization Mnist { get; } = new([0.1307], [0.3081]);
    /// <summary>Only scale to [0, 1].</summary>
    public static Normalization None(int channels) => new(Enumerable.Repeat(0.0, channels).ToArray(), Enumerable.Repeat(1.0, channels).ToArray());
}

/// <summary>Batch augmentation settings (applied to whole batches on the target device).</summary>
public sealed record Augmentation
{
    /// <summary>Random-crop padding in pixels (reflect padding); 0 disables cropping.</summary>
    public int CropPadding { get; init; }
    /// <summary>Flip each image horizontally with probability 0.5.</summary>
    public bool HorizontalFlip { get; init; }
    /// <summary>No augmentation.</summary>
    public static Augmentation None { get; } = new();
    /// <summary>The bilateral paper's CIFAR augmentation: random crop with 4 px reflect padding + horizontal flip.</summary>
    public static Augmentation CropAndFlip { get; } = new() { CropPadding = 4, HorizontalFlip = true };
    /// <summary>Whether anything is applied.</summary>
    public bool IsNone => CropPadding == 0 && !HorizontalFlip;
}
