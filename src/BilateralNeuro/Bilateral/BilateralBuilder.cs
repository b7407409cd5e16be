using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Bilateral;

/// <summary>
/// Fluent builder of a <see cref="BilateralNetwork"/>, e.g.
/// <c>BilateralNetwork.Create().Left(h => h.ResNet9().Specialize(LabelLevel.Fine)).Right(h => h.ResNet9().Specialize(LabelLevel.Coarse)).Heads(fine: 100, coarse: 20).Build()</c>.
/// <see cref="Build"/> validates everything once and lists every problem.
/// </summary>
public sealed class BilateralBuilder
{
    private readonly BilateralOptions options = new();
    private HemisphereBuilder? leftBuilder, rightBuilder;
    private Hemisphere? leftBuilt, rightBuilt;

    /// <summary>The head options configured so far (a live reference).</summary>
    public BilateralOptions Options => options;

    /// <summary>Configures the left hemisphere.</summary>
    public BilateralBuilder Left(Func<HemisphereBuilder, HemisphereBuilder> configure)
    {
        leftBuilder = configure(new HemisphereBuilder());
        leftBuilt = null;
        return this;
    }

    /// <summary>Uses an existing left hemisphere (e.g. one trained in stage 1).</summary>
    public BilateralBuilder Left(Hemisphere hemisphere)
    {
        leftBuilt = hemisphere ?? throw new ArgumentNullException(nameof(hemisphere));
        leftBuilder = null;
        return this;
    }

    /// <summary>Configures the right hemisphere.</summary>
    public BilateralBuilder Right(Func<HemisphereBuilder, HemisphereBuilder> configure)
    {
        rightBuilder = configure(new HemisphereBuilder());
        rightBuilt = null;
        return this;
    }

    /// <summary>Uses an existing right hemisphere.</summary>
    public BilateralBuilder Right(Hemisphere hemisphere)
    {
        rightBuilt = hemisphere ?? throw new ArgumentNullException(nameof(hemisphere));
        rightBuilder = null;
        return this;
    }

    /// <summary>Sets the two standard heads (fine and coarse) and optionally the dropout.</summary>
    public BilateralBuilder Heads(int fine, int coarse, double? dropout = null)
    {
        options.Heads = [new(Data.LabelLevels.Fine, fine), new(Data.LabelLevels.Coarse, coarse)];
        if (dropout is { } d) options.Dropout = d;
        return this;
    }

    /// <summary>Sets arbitrary heads.</summary>
    public BilateralBuilder Heads(params HeadDefinition[] heads)
    {
        options.Heads = heads.ToList();
        return this;
    }

    /// <summary>Sets the head dropout.</summary>
    public BilateralBuilder Dropout(double p) { options.Dropout = p; return this; }
    /// <summary>Turns the learned per-head hemisphere gate on or off (extension, default off).</summary>
    public BilateralBuilder Gated(bool on = true) { options.Gated = on; return this; }
    /// <summary>Edits the head options directly.</summary>
    public BilateralBuilder Configure(Action<BilateralOptions> configure) { configure(options); return this; }

    /// <summary>Builds the network.</summary>
    /// <exception cref="OptionsValidationException">Some option is invalid (every problem is listed).</exception>
    public BilateralNetwork Build()
    {
        var errors = OptionsValidation.Failures(new BilateralOptionsValidator().Validate(null, options)).ToList();
        if (leftBuilder is null && leftBuilt is null) errors.Add("Left: no left hemisphere; call Left(h => h.ResNet9()).");
        if (rightBuilder is null && rightBuilt is null) errors.Add("Right: no right hemisphere; call Right(h => h.ResNet9()).");
        if (leftBuilder is not null) errors.AddRange(leftBuilder.Problems("Left"));
        if (rightBuilder is not null) errors.AddRange(rightBuilder.Problems("Right"));
        if (errors.Count > 0) throw new OptionsValidationException(nameof(BilateralNetwork), typeof(BilateralOptions), errors);
        var left = leftBuilt ?? leftBuilder!.BuildUnchecked();
        var right = rightBuilt ?? rightBuilder!.BuildUnchecked();
        var head = new BilateralHead(left.FeatureSize, right.FeatureSize, options.Heads, options.Dropout, options.Gated);
        return new BilateralNetwork(left, right, head);
    }
}
