using BilateralNeuro.Core;
using Microsoft.Extensions.Logging;

namespace BilateralNeuro.Synchrony;

/// <summary>Entry points of the synchrony models, e.g. <c>SynchronyModels.KomplexNet().Oscillators(k => k.Kernel(13).Steps(15)).WithFeedback().Build()</c>.</summary>
public static class SynchronyModels
{
    /// <summary>A builder of KomplexNet with the reference defaults.</summary>
    public static KomplexNetBuilder KomplexNet() => new();

    /// <summary>The real-valued baseline matched in parameters.</summary>
    public static RealMatchedNet RealBaseline(int inputChannels = 1, int inputSize = 32, int classes = 10) => new(inputChannels, inputSize, classes: classes);
}

/// <summary>Fluent builder of <see cref="KomplexNet"/>; validates once in <see cref="Build()"/>.</summary>
public sealed class KomplexNetBuilder
{
    private readonly KomplexNetOptions options = new();
    private readonly KuramotoBuilder oscillators = new();

    /// <summary>Configures the Kuramoto dynamics.</summary>
    public KomplexNetBuilder Oscillators(Action<KuramotoBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        configure(oscillators);
        return this;
    }

    /// <summary>Adds top-down feedback into the oscillators (transposed conv kernel size and step sizes).</summary>
    public KomplexNetBuilder WithFeedback(int kernelSize = 11, double stepSize = 0.006)
    {
        options.Feedback = true;
        options.FeedbackKernel = kernelSize;
        options.FeedbackStepSizes = [stepSize, stepSize, stepSize];
        return this;
    }

    /// <summary>Fixed random phases, no Kuramoto dynamics (baseline).</summary>
    public KomplexNetBuilder RandomPhases() { options.Phases = PhaseMode.Random; return this; }
    /// <summary>Phases set from object masks (upper bound; needs masks).</summary>
    public KomplexNetBuilder IdealPhases() { options.Phases = PhaseMode.Ideal; return this; }
    /// <summary>Input size and channels.</summary>
    public KomplexNetBuilder Input(int size, int channels = 1) { options.InputSize = size; options.InputChannels = channels; return this; }
    /// <summary>Feature channels (also the oscillator channels).</summary>
    public KomplexNetBuilder Channels(int channels) { options.Channels = channels; return this; }
    /// <summary>Hidden complex units.</summary>
    public KomplexNetBuilder Hidden(int units) { options.Hidden = units; return this; }
    /// <summary>Number of classes.</summary>
    public KomplexNetBuilder Classes(int classes) { options.Classes = classes; return this; }
    /// <summary>Initialise the amplitude convolution randomly instead of with Gabor filters.</summary>
    public KomplexNetBuilder WithoutGaborInit() { options.GaborInit = false; return this; }

    /// <summary>The options that <see cref="Build()"/> would use (validated).</summary>
    public KomplexNetOptions BuildOptions()
    {
        var o = options.Clone();
        o.Kuramoto = oscillators.Options.Clone();
        o.Kuramoto.Channels = o.Channels;
        return OptionsValidation.ThrowIfInvalid(o, new KomplexNetOptionsValidator());
    }

    /// <summary>Validates every option and creates the model.</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Lists every invalid option.</exception>
    public KomplexNet Build() => new(BuildOptions());

    /// <summary>
    /// Validates, creates the model and, for Kuramoto phases, logs its <see cref="KuramotoRegime"/> (information) and
    /// a warning when the configuration leaves the regime the reference trained in.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Lists every invalid option.</exception>
    public KomplexNet Build(ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var net = Build();
        net.Regime()?.Log(logger);
        return net;
    }
}
