namespace BilateralNeuro.Training;

/// <summary>Loss of one output head.</summary>
public enum HeadLoss
{
    /// <summary>Softmax cross-entropy against int64 class labels; metric: accuracy of the argmax.</summary>
    CrossEntropy,
    /// <summary>Sigmoid binary cross-entropy against float k-hot labels; metric: exact match of the top-k labels.</summary>
    MultiLabel,
}

/// <summary>
/// Ties a model output to a label level with a loss weight: the total loss is the weighted sum over heads.
/// </summary>
/// <param name="Output">Key of the model's output dictionary, e.g. <c>fine</c>.</param>
/// <param name="Label">Label level of the data, e.g. <c>fine</c>.</param>
/// <param name="Weight">Loss weight (0 trains nothing through this head but still reports its metrics).</param>
/// <param name="Loss">Loss type.</param>
public sealed record HeadSpec(string Output, string Label, double Weight = 1.0, HeadLoss Loss = HeadLoss.CrossEntropy)
{
    /// <summary>
    /// Size of the head (classes, or labels of a multi-label head), or null when unknown. The trainer checks the data's
    /// labels against it before training; when null it reads the size off one forward pass.
    /// </summary>
    public int? Classes { get; init; }

    /// <summary>A cross-entropy head whose output and label share one name, optionally with its number of classes.</summary>
    public static HeadSpec Classification(string name, double weight = 1.0, int? classes = null) => new(name, name, weight) { Classes = classes };
}
