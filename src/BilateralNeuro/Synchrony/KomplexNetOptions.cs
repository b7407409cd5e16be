using BilateralNeuro.Core;
using Microsoft.Extensions.Options;

namespace BilateralNeuro.Synchrony;

/// <summary>Where the phases of the first complex layer come from.</summary>
public enum PhaseMode
{
    /// <summary>Kuramoto dynamics from random initial phases (KomplexNet).</summary>
    Kuramoto,
    /// <summary>Fixed uniform random phases, no dynamics (the "random phases" baseline).</summary>
    Random,
    /// <summary>Phases set from the object masks (an upper bound; needs masks at run time).</summary>
    Ideal,
}

/// <summary>Options of <see cref="KomplexNet"/>; defaults are the reference's 32×32 multi-MNIST model.</summary>
public sealed class KomplexNetOptions
{
    /// <summary>Input channels (1 for digits).</summary>
    public int InputChannels { get; set; } = 1;
    /// <summary>Square input size (32).</summary>
    public int InputSize { get; set; } = 32;
    /// <summary>Channels of the amplitude map and of the complex convolution (8).</summary>
    public int Channels { get; set; } = 8;
    /// <summary>Size of the Gabor-initialised amplitude convolution (5).</summary>
    public int AmplitudeKernel { get; set; } = 5;
    /// <summary>Initialise the amplitude convolution with a Gabor bank (else Kaiming).</summary>
    public bool GaborInit { get; set; } = true;
    /// <summary>Units of the complex hidden layer (50).</summary>
    public int Hidden { get; set; } = 50;
    /// <summary>Classes (10).</summary>
    public int Classes { get; set; } = 10;
    /// <summary>Phase source.</summary>
    public PhaseMode Phases { get; set; } = PhaseMode.Kuramoto;
    /// <summary>Kuramoto dynamics (its Channels must equal <see cref="Channels"/>); Steps is also the number of readouts.</summary>
    public KuramotoOptions Kuramoto { get; set; } = new();
    /// <summary>Top-down feedback into the oscillators (KomplexNet with feedback).</summary>
    public bool Feedback { get; set; }
    /// <summary>Kernel size of the transposed-convolution feedback from the complex convolution (11).</summary>
    public int FeedbackKernel { get; set; } = 11;
    /// <summary>Euler steps of the three feedback terms (conv, hidden, readout); 0.006 each in the reference.</summary>
    public double[] FeedbackStepSizes { get; set; } = [0.006, 0.006, 0.006];

    /// <summary>A deep copy.</summary>
    public KomplexNetOptions Clone()
    {
        var c = (KomplexNetOptions)MemberwiseClone();
        c.Kuramoto = Kuramoto.Clone();
        c.FeedbackStepSizes = (double[])FeedbackStepSizes.Clone();
        return c;
    }
}

/// <summary>Validates <see cref="KomplexNetOptions"/>, listing every problem.</summary>
public sealed class KomplexNetOptionsValidator : IValidateOptions<KomplexNetOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, KomplexNetOptions o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var e = new ValidateOptionsResultBuilder();
        if (o.InputChannels < 1) e.AddError($"InputChannels must be at least 1 (got {o.InputChannels}).");
        if (o.InputSize < 4 || o.InputSize % 2 != 0) e.AddError($"InputSize must be an even number >= 4 (got {o.InputSize}).");
        if (o.Channels < 1) e.AddError($"Channels must be at least 1 (got {o.Channels}).");
        if (o.AmplitudeKernel < 1 || o.AmplitudeKernel % 2 == 0) e.AddError($"AmplitudeKernel must be odd and positive (got {o.AmplitudeKernel}).");
        if (o.Hidden < 1) e.AddError($"Hidden must be at least 1 (got {o.Hidden}).");
        if (o.Classes < 2) e.AddError($"Classes must be at least 2 (got {o.Classes}).");
        if (!Enum.IsDefined(o.Phases)) e.AddError($"Phases {o.Phases} is not a known mode.");
        if (o.Kuramoto is null) e.AddError("Kuramoto options are required.");
        else
        {
            e.AddResult(new KuramotoOptionsValidator().Validate(null, o.Kuramoto), "Kuramoto: ");
            if (o.Kuramoto.Channels != o.Channels) e.AddError($"Kuramoto.Channels ({o.Kuramoto.Channels}) must equal Channels ({o.Channels}).");
        }
        if (o.Feedback && o.Phases != PhaseMode.Kuramoto) e.AddError($"Feedback acts on Kuramoto phases; it cannot be combined with Phases = {o.Phases}.");
        if (o.FeedbackKernel < 1 || o.FeedbackKernel % 2 == 0) e.AddError($"FeedbackKernel must be odd and positive (got {o.FeedbackKernel}).");
        if (o.FeedbackStepSizes is not { Length: 3 } || o.FeedbackStepSizes.Any(s => !(s > 0) || !double.IsFinite(s)))
            e.AddError("FeedbackStepSizes must hold three positive finite numbers (conv, hidden, readout).");
        return e.Build();
    }
}
