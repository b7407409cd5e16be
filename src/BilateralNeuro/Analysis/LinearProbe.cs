using BilateralNeuro.Core;
using Microsoft.Extensions.Options;
using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Analysis;

/// <summary>Options of <see cref="LinearProbe"/> (validated).</summary>
public sealed class LinearProbeOptions
{
    /// <summary>
    /// Ridge penalty relative to the sample count: the solved system is <c>XᵀX + Ridge·n·I</c> on standardised
    /// features (so 1 is as strong as one unit of every feature's variance). Must be positive.
    /// </summary>
    public double Ridge { get; set; } = 1e-2;
    /// <summary>Folds of the cross-validation (at least 2).</summary>
    public int Folds { get; set; } = 5;
    /// <summary>Seed of the fold assignment.</summary>
    public int Seed { get; set; }
    /// <summary>Standardise every feature with the training fold's mean and standard deviation.</summary>
    public bool Standardize { get; set; } = true;
}

/// <summary>Validates <see cref="LinearProbeOptions"/>, listing every problem.</summary>
public sealed class LinearProbeOptionsValidator : IValidateOptions<LinearProbeOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LinearProbeOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (!(o.Ridge > 0) || double.IsInfinity(o.Ridge)) e.AddError($"Ridge must be a positive finite number (got {o.Ridge}).");
        if (o.Folds < 2) e.AddError($"Folds must be at least 2 (got {o.Folds}).");
        return e.Build();
    }
}

/// <summary>Cross-validated accuracy of a linear probe.</summary>
/// <param name="Accuracy">Accuracy over all held-out predictions (each sample predicted once, by the fold that held it out).</param>
/// <param name="FoldAccuracies">Accuracy of each fold.</param>
/// <param name="Chance">Accuracy of always predicting the most frequent class.</param>
/// <param name="Samples">Rows probed.</param>
/// <param name="Features">Feature dimension.</param>
public sealed record ProbeResult(double Accuracy, double[] FoldAccuracies, double Chance, int Samples, int Features);

/// <summary>The probe result of one layer.</summary>
/// <param name="Layer">Layer name (e.g. <c>conv3</c>).</param>
/// <param name="Result">Its cross-validated accuracy.</param>
public sealed record LayerProbeResult(string Layer, ProbeResult Result);

/// <summary>
/// A linear read-out fitted in closed form: ridge regression of one-hot class targets on (standardised) features,
/// prediction = argmax. No optimiser, no learning rate, no epochs: the solution is unique for a given penalty, so
/// probe accuracies of different networks differ only through their features. Solved in float64 in the primal
/// (<c>d ≤ n</c>) or the dual (<c>d &gt; n</c>), whichever system is smaller. Use <see cref="CrossValidate"/> (optionally
/// grouped, e.g. by face identity, so no identity is in both training and test folds) for an honest accuracy.
/// </summary>
public sealed class LinearProbe : IDisposable
{
    private readonly Tensor mean, scale, weight, bias;

    private LinearProbe(Tensor mean, Tensor scale, Tensor weight, Tensor bias, int classes)
    {
        this.mean = mean;
        this.scale = scale;
        this.weight = weight;
        this.bias = bias;
        Classes = classes;
    }

    /// <summary>Number of classes the probe predicts (0 .. Classes-1).</summary>
    public int Classes { get; }
    /// <summary>Feature dimension.</summary>
    public long Features => weight.shape[0];

    /// <summary>Fits a probe on <paramref name="features"/> (N, D) and class labels (N) in 0..classes-1.</summary>
    /// <param name="features">Floating features, one row per sample.</param>
    /// <param name="labels">Integer class labels.</param>
    /// <param name="classes">Number of classes (default: largest label + 1).</param>
    /// <param name="options">Ridge and standardisation (folds and seed are unused here).</param>
    public static LinearProbe Fit(Tensor features, Tensor labels, int? classes = null, LinearProbeOptions? options = null)
    {
        var o = OptionsValidation.ThrowIfInvalid(options ?? new LinearProbeOptions(), new LinearProbeOptionsValidator());
        CheckInputs(features, labels);
        int k = classes ?? (int)labels.max().item<long>() + 1;
        if (k < 2) throw new ArgumentException($"LinearProbe: need at least 2 classes, got {k}.", nameof(classes));
        using var scope = NewDisposeScope();
        var x = features.detach().cpu().to(ScalarType.Float64);
        long n = x.shape[0], d = x.shape[1];
        var y = labels.detach().cpu().to(ScalarType.Int64);
        if (y.min().item<long>() < 0 || y.max().item<long>() >= k)
            throw new ArgumentException($"LinearProbe: labels must lie in [0, {k - 1}], got [{y.min().item<long>()}, {y.max().item<long>()}].", nameof(labels));
        var mu = x.mean([0]);
        var sd = o.Standardize ? x.std(0, unbiased: false) : torch.ones(d, dtype: ScalarType.Float64);
        // constant features carry nothing: scale 0 removes them instead of dividing by ~0
        var inv = torch.where(sd > 1e-12, 1.0 / sd.clamp_min(1e-12), torch.zeros_like(sd));
        var z = (x - mu) * inv;
        var targets = nn.functional.one_hot(y, k).to(ScalarType.Float64);
        var tMean = targets.mean([0]);
        var t = targets - tMean;
        double lambda = o.Ridge * n;
        Tensor w;
        if (d <= n)
            w = linalg.solve(z.t().matmul(z) + lambda * torch.eye(d, dtype: ScalarType.Float64), z.t().matmul(t));
        else
            w = z.t().matmul(linalg.solve(z.matmul(z.t()) + lambda * torch.eye(n, dtype: ScalarType.Float64), t));
        return new LinearProbe(mu.DetachFromDisposeScope(), inv.DetachFromDisposeScope(), w.DetachFromDisposeScope(), tMean.DetachFromDisposeScope(), k);
    }

    /// <summary>Class scores (N, Classes) in float64.</summary>
    public Tensor Scores(Tensor features)
    {
        ArgumentNullException.ThrowIfNull(features);
        if (features.dim() != 2 || features.shape[1] != Features)
            throw new ArgumentException($"LinearProbe: expected features (N, {Features}), got {Guard.Describe(features)}.", nameof(features));
        using var scope = NewDisposeScope();
        var z = (features.detach().cpu().to(ScalarType.Float64) - mean) * scale;
        return (z.matmul(weight) + bias).MoveToOuterDisposeScope();
    }

    /// <summary>Predicted classes (N).</summary>
    public Tensor Predict(Tensor features)
    {
        using var s = Scores(features);
        return s.argmax(1);
    }

    /// <summary>Fraction of rows whose predicted class equals <paramref name="labels"/>.</summary>
    public double Accuracy(Tensor features, Tensor labels)
    {
        CheckInputs(features, labels);
        using var scope = NewDisposeScope();
        return Predict(features).eq(labels.cpu().to(ScalarType.Int64)).to(ScalarType.Float64).mean().item<double>();
    }

    /// <summary>
    /// K-fold cross-validated accuracy. With <paramref name="groups"/> (e.g. identity ids) whole groups are assigned
    /// to folds, so a group never appears in both a fold's training and test rows.
    /// </summary>
    /// <exception cref="ArgumentException">Shapes disagree, or there are fewer samples (groups) than folds.</exception>
    public static ProbeResult CrossValidate(Tensor features, Tensor labels, LinearProbeOptions? options = null, Tensor? groups = null)
    {
        var o = OptionsValidation.ThrowIfInvalid(options ?? new LinearProbeOptions(), new LinearProbeOptionsValidator());
        CheckInputs(features, labels);
        int n = (int)features.shape[0];
        var y = labels.cpu().to(ScalarType.Int64).data<long>().ToArray();
        int k = (int)y.Max() + 1;
        var fold = new int[n];
        var rng = new Random(StableSeed.Of(o.Seed, 0x9e0b));
        if (groups is null)
        {
            if (n < o.Folds) throw new ArgumentException($"LinearProbe: {n} samples cannot fill {o.Folds} folds.", nameof(features));
            var order = Enumerable.Range(0, n).ToArray();
            rng.Shuffle(order);
            for (int i = 0; i < n; i++) fold[order[i]] = i % o.Folds;
        }
        else
        {
            if (groups.dim() != 1 || groups.shape[0] != n)
                throw new ArgumentException($"LinearProbe: groups must be ({n}), got {Guard.Describe(groups)}.", nameof(groups));
            var g = groups.cpu().to(ScalarType.Int64).data<long>().ToArray();
            var distinct = g.Distinct().ToArray();
            if (distinct.Length < o.Folds) throw new ArgumentException($"LinearProbe: {distinct.Length} groups cannot fill {o.Folds} folds.", nameof(groups));
            rng.Shuffle(distinct);
            var foldOf = new Dictionary<long, int>();
            for (int i = 0; i < distinct.Length; i++) foldOf[distinct[i]] = i % o.Folds;
            for (int i = 0; i < n; i++) fold[i] = foldOf[g[i]];
        }
        var accs = new double[o.Folds];
        long right = 0;
        for (int f = 0; f < o.Folds; f++)
        {
            using var scope = NewDisposeScope();
            var test = Enumerable.Range(0, n).Where(i => fold[i] == f).Select(i => (long)i).ToArray();
            var train = Enumerable.Range(0, n).Where(i => fold[i] != f).Select(i => (long)i).ToArray();
            var ti = torch.tensor(train);
            var vi = torch.tensor(test);
            using var probe = Fit(features.index_select(0, ti), labels.index_select(0, ti), k, o);
            var hits = probe.Predict(features.index_select(0, vi)).eq(labels.cpu().to(ScalarType.Int64).index_select(0, vi)).sum().item<long>();
            right += hits;
            accs[f] = hits / (double)test.Length;
        }
        double chance = y.GroupBy(v => v).Max(gr => gr.Count()) / (double)n;
        return new ProbeResult(right / (double)n, accs, chance, n, (int)features.shape[1]);
    }

    /// <summary>Cross-validated probe accuracy of every layer of <paramref name="activations"/>, in layer order.</summary>
    public static IReadOnlyList<LayerProbeResult> ByLayer(PooledActivations activations, Tensor labels, LinearProbeOptions? options = null, Tensor? groups = null)
    {
        ArgumentNullException.ThrowIfNull(activations);
        return activations.Layers.Select(l => new LayerProbeResult(l, CrossValidate(activations[l], labels, options, groups))).ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        mean.Dispose();
        scale.Dispose();
        weight.Dispose();
        bias.Dispose();
    }

    private static void CheckInputs(Tensor features, Tensor labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        if (features.dim() != 2) throw new ArgumentException($"LinearProbe: expected features (N, D), got {Guard.Describe(features)}.", nameof(features));
        Guard.Floating(features, nameof(LinearProbe), nameof(features));
        if (labels.dim() != 1 || labels.shape[0] != features.shape[0])
            throw new ArgumentException($"LinearProbe: expected one label per feature row ({features.shape[0]}), got labels {Guard.Describe(labels)}.", nameof(labels));
        if (labels.is_floating_point() || labels.dtype == ScalarType.Bool)
            throw new ArgumentException($"LinearProbe: labels must be integer class indices, got {labels.dtype}.", nameof(labels));
        if (features.shape[0] < 2) throw new ArgumentException("LinearProbe: need at least 2 samples.", nameof(features));
    }
}
