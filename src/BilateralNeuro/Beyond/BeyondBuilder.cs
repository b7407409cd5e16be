using BilateralNeuro.Bilateral;
using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Beyond;

/// <summary>
/// Fluent builder of an <see cref="AsymmetricBilateralNetwork"/>: any two hemispheres, callosal links, the paper's
/// heads. Start with <see cref="AsymmetricBilateralNetwork.Create"/>: <c>AsymmetricBilateralNetwork.Create().Left(h => h.ResNet18(0.1)
/// .Specialize(LabelLevel.Fine)).Right(h => h.WideShallow(48, 96).Specialize(LabelLevel.Coarse)).Link(...).Heads(10, 4).Build()</c>. <see cref="Build"/> validates everything once and lists every problem.
/// </summary>
public sealed class BeyondBuilder
{
    private readonly BilateralOptions options = new();
    private StagedHemisphereBuilder? leftBuilder, rightBuilder;
    private readonly List<CallosalLinkSpec> links = [];
    private double phaseCoupling;
    private SharedBudgetOptions? budget;

    /// <summary>Configures the left hemisphere.</summary>
    public BeyondBuilder Left(Func<StagedHemisphereBuilder, StagedHemisphereBuilder> configure) { leftBuilder = configure(new StagedHemisphereBuilder()); return this; }
    /// <summary>Configures the right hemisphere.</summary>
    public BeyondBuilder Right(Func<StagedHemisphereBuilder, StagedHemisphereBuilder> configure) { rightBuilder = configure(new StagedHemisphereBuilder()); return this; }
    /// <summary>Adds a callosal link.</summary>
    public BeyondBuilder Link(CallosalLinkSpec link) { links.Add(link ?? throw new ArgumentNullException(nameof(link))); return this; }
    /// <summary>Adds a callosal link from a left stage into a right stage.</summary>
    public BeyondBuilder LinkLeftToRight(int leftStage, int rightStage, CallosalMode mode = CallosalMode.Gated, bool enabled = true) =>
        Link(new(CallosalDirection.LeftToRight, leftStage, rightStage, mode, enabled));
    /// <summary>Adds a callosal link from a right stage into a left stage.</summary>
    public BeyondBuilder LinkRightToLeft(int rightStage, int leftStage, CallosalMode mode = CallosalMode.Gated, bool enabled = true) =>
        Link(new(CallosalDirection.RightToLeft, rightStage, leftStage, mode, enabled));
    /// <summary>
    /// Callosal phase coupling κ between two synchronised hemispheres: their oscillators run in lockstep and each is
    /// pulled toward the other's amplitude-weighted mean phase with strength κ (see <see cref="PhaseSyncBlock.RunCoupled"/>).
    /// Both hemispheres must call <c>Synchronize(...)</c>.
    /// </summary>
    public BeyondBuilder PhaseCoupling(double kappa) { phaseCoupling = kappa; return this; }

    /// <summary>
    /// One resource budget shared by the two lattice hemispheres: the budget is fixed, the split σ (the left
    /// hemisphere's share of the pressure) is trained unless <paramref name="learned"/> is false (the fixed-split
    /// control). See <see cref="SharedResourceBudget"/>. Both hemispheres must be <c>Lattice(...)</c>.
    /// </summary>
    /// <param name="budget">Total pressure multiplier B (2 = each hemisphere its own penalty at an equal split).</param>
    /// <param name="temperature">Temperature τ of the split's entropy term (cost units).</param>
    /// <param name="learned">Whether the split is trained.</param>
    /// <param name="initialLeftShare">Initial (or, if not learned, fixed) left share σ₀.</param>
    public BeyondBuilder SharedBudget(double budget = 2.0, double temperature = 0.1, bool learned = true, double initialLeftShare = 0.5) =>
        SharedBudget(new SharedBudgetOptions { Budget = budget, Temperature = temperature, Learned = learned, InitialLeftShare = initialLeftShare });

    /// <summary>One resource budget shared by the two lattice hemispheres, from options (see <see cref="SharedResourceBudget"/>).</summary>
    public BeyondBuilder SharedBudget(SharedBudgetOptions options) { budget = options ?? throw new ArgumentNullException(nameof(options)); return this; }

    /// <summary>Sets the fine and coarse heads and optionally the dropout.</summary>
    public BeyondBuilder Heads(int fine, int coarse, double? dropout = null)
    {
        options.Heads = [new(Data.LabelLevels.Fine, fine), new(Data.LabelLevels.Coarse, coarse)];
        if (dropout is { } d) options.Dropout = d;
        return this;
    }
    /// <summary>Sets arbitrary heads.</summary>
    public BeyondBuilder Heads(params HeadDefinition[] heads) { options.Heads = heads.ToList(); return this; }
    /// <summary>Sets the head dropout.</summary>
    public BeyondBuilder Dropout(double p) { options.Dropout = p; return this; }
    /// <summary>Learned per-head hemisphere gate on the heads (see <see cref="BilateralOptions.Gated"/>).</summary>
    public BeyondBuilder Gated(bool on = true) { options.Gated = on; return this; }

    /// <summary>Builds the network.</summary>
    /// <exception cref="OptionsValidationException">Some option is invalid (every problem is listed).</exception>
    public AsymmetricBilateralNetwork Build()
    {
        var errors = OptionsValidation.Failures(new BilateralOptionsValidator().Validate(null, options)).ToList();
        if (leftBuilder is null) errors.Add("Left: no left hemisphere; call Left(h => h.ResNet9().Specialize(LabelLevel.Fine)).");
        else errors.AddRange(leftBuilder.Problems("Left"));
        if (rightBuilder is null) errors.Add("Right: no right hemisphere; call Right(h => h.ResNet9().Specialize(LabelLevel.Coarse)).");
        else errors.AddRange(rightBuilder.Problems("Right"));
        foreach (var side in new[] { ("Left", leftBuilder), ("Right", rightBuilder) })
            if (side.Item2 is { } b && b.Problems(side.Item1).Count == 0 && b.ObjectiveLevel is { } level && !options.Heads.Any(h => h.Name == level.Key()))
                errors.Add($"{side.Item1}: specialises in '{level.Key()}' but there is no such head.");
        if (!double.IsFinite(phaseCoupling) || phaseCoupling < 0) errors.Add($"PhaseCoupling: kappa must be a finite number >= 0 (got {phaseCoupling}).");
        else if (phaseCoupling > 0 && !(leftBuilder?.IsSynchronized == true && rightBuilder?.IsSynchronized == true))
            errors.Add("PhaseCoupling: both hemispheres must be synchronised; call Synchronize(...) on the left and on the right.");
        if (budget is not null)
        {
            errors.AddRange(OptionsValidation.Failures(new SharedBudgetOptionsValidator().Validate(null, budget)));
            foreach (var side in new[] { ("Left", leftBuilder), ("Right", rightBuilder) })
                if (side.Item2 is { } b && b.Architecture != Backbones.BackboneKind.Lattice)
                    errors.Add($"SharedBudget: the {side.Item1.ToLowerInvariant()} hemisphere must be a lattice (Lattice(...)) to share a resource budget (got {b.Architecture?.ToString() ?? "none"}).");
        }
        if (errors.Count > 0) throw new OptionsValidationException(nameof(AsymmetricBilateralNetwork), typeof(BilateralOptions), errors);
        var left = leftBuilder!.BuildUnchecked(1);
        var right = rightBuilder!.BuildUnchecked(2);
        var linkErrors = AsymmetricBilateralNetwork.LinkProblems(left, right, links, phaseCoupling > 0);
        if (linkErrors.Count > 0)
        {
            left.Dispose();
            right.Dispose();
            throw new OptionsValidationException(nameof(AsymmetricBilateralNetwork), typeof(BilateralOptions), linkErrors.Select(e => "Links: " + e));
        }
        var modules = links.Select(s =>
        {
            var (src, dst) = s.Direction == CallosalDirection.LeftToRight ? (left, right) : (right, left);
            return new CallosalLink(s, src.StageChannels[s.SourceStage], dst.StageChannels[s.TargetStage]);
        }).ToList();
        var head = new BilateralHead(left.FeatureSize, right.FeatureSize, options.Heads, options.Dropout, options.Gated);
        return new AsymmetricBilateralNetwork(left, right, modules, head, phaseCoupling, budget is null ? null : new SharedResourceBudget(budget));
    }
}
