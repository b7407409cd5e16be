using BilateralNeuro.Core;
using Microsoft.Extensions.Options;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace BilateralNeuro.Beyond;

/// <summary>
/// Options of a <see cref="SharedResourceBudget"/>: one resource budget shared by two lattice hemispheres.
/// </summary>
public sealed class SharedBudgetOptions
{
    /// <summary>
    /// Total pressure multiplier B &gt; 0 shared by the hemispheres: the left hemisphere's pressure-weighted cost is
    /// multiplied by B·σ and the right one's by B·(1 − σ), so the two multipliers always sum to B. With B = 2 and
    /// σ = 0.5 each hemisphere pays exactly its own penalty.
    /// </summary>
    public double Budget { get; set; } = 2.0;

    /// <summary>
    /// Temperature τ &gt; 0 of the split's entropy term B·τ·(σ ln σ + (1 − σ) ln(1 − σ)), in cost units. For fixed
    /// hemisphere costs C_L, C_R the budget term is minimised at σ* = sigmoid((C_R − C_L)/τ): the pressure moves to the
    /// hemisphere that currently spends fewer resources, the one that needs more keeps more. Small τ: near-hard split.
    /// </summary>
    public double Temperature { get; set; } = 0.1;

    /// <summary>Initial left pressure share σ₀ in (0, 1).</summary>
    public double InitialLeftShare { get; set; } = 0.5;

    /// <summary>Whether the split is trained (false: the split stays at <see cref="InitialLeftShare"/>, the fixed-split control).</summary>
    public bool Learned { get; set; } = true;

    /// <summary>Learning rate of the split's own Adam parameter group.</summary>
    public double LearningRate { get; set; } = 0.05;
}

/// <summary>Validates <see cref="SharedBudgetOptions"/>.</summary>
public sealed class SharedBudgetOptionsValidator : IValidateOptions<SharedBudgetOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SharedBudgetOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (!double.IsFinite(o.Budget) || o.Budget <= 0) e.AddError($"SharedBudget: the budget must be a finite number > 0 (got {o.Budget}).");
        if (!double.IsFinite(o.Temperature) || o.Temperature <= 0) e.AddError($"SharedBudget: the temperature must be a finite number > 0 (got {o.Temperature}).");
        if (!(o.InitialLeftShare > 0 && o.InitialLeftShare < 1)) e.AddError($"SharedBudget: the initial left share must lie strictly between 0 and 1 (got {o.InitialLeftShare}).");
        if (!double.IsFinite(o.LearningRate) || o.LearningRate <= 0) e.AddError($"SharedBudget: the split's learning rate must be a finite number > 0 (got {o.LearningRate}).");
        return e.Build();
    }
}

/// <summary>
/// One resource budget shared by the two (lattice) hemispheres of an <see cref="AsymmetricBilateralNetwork"/>: the
/// budget B is fixed, the split σ = sigmoid(s) is a learned logit (<c>split_logit</c>). The budget's cost is
/// B·[σ·C_L + (1 − σ)·C_R + τ·(σ ln σ + (1 − σ) ln(1 − σ))], C_L and C_R being the hemispheres' own pressure-weighted
/// <see cref="Resources.ResourceCostPenalty"/> totals: each hemisphere's pressures are scaled by its share, the shares
/// sum to B, and the gradient on s is B·σ(1 − σ)·(C_L − C_R + τ·s), which moves pressure toward the hemisphere that
/// spends less. Build with <c>AsymmetricBilateralNetwork.Create()...SharedBudget(...)</c>; registered as <c>budget</c>.
/// </summary>
public sealed class SharedResourceBudget : nn.Module
{
    private readonly Parameter split_logit;

    /// <summary>Creates the budget; options are validated here.</summary>
    /// <exception cref="OptionsValidationException">Some option is invalid (every problem is listed).</exception>
    public SharedResourceBudget(SharedBudgetOptions? options = null) : base(nameof(SharedResourceBudget))
    {
        Options = OptionsValidation.ThrowIfInvalid(options ?? new SharedBudgetOptions(), new SharedBudgetOptionsValidator());
        double p = Options.InitialLeftShare;
        split_logit = new Parameter(tensor((float)Math.Log(p / (1 - p))), requires_grad: Options.Learned);
        RegisterComponents();
    }

    /// <summary>The validated options.</summary>
    public SharedBudgetOptions Options { get; }

    /// <summary>The split logit s (a scalar parameter; frozen when the split is not learned).</summary>
    public Parameter SplitLogit => split_logit;

    /// <summary>The left hemisphere's share σ of the pressure budget (differentiable scalar).</summary>
    public Tensor LeftShare() => split_logit.sigmoid();

    /// <summary>The current left pressure share σ as a number.</summary>
    public double LeftShareValue
    {
        get
        {
            using var _ = no_grad();
            using var t = split_logit.sigmoid();
            return t.item<float>();
        }
    }

    /// <summary>
    /// The budget's cost for the hemispheres' pressure-weighted costs <paramref name="left"/> and
    /// <paramref name="right"/> (scalars): B·[σ·C_L + (1 − σ)·C_R − τ·H(σ)].
    /// </summary>
    public Tensor Cost(Tensor left, Tensor right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        using var scope = NewDisposeScope();
        var s = split_logit.to(left.device);
        var sigma = s.sigmoid();
        // sigma ln sigma + (1 - sigma) ln(1 - sigma) written with logsigmoid for stability.
        var negEntropy = sigma * nn.functional.logsigmoid(s) + (1 - sigma) * nn.functional.logsigmoid(-s);
        var cost = (sigma * left + (1 - sigma) * right + negEntropy * Options.Temperature) * Options.Budget;
        return cost.MoveToOuterDisposeScope();
    }
}
