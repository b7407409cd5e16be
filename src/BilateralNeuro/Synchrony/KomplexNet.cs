using BilateralNeuro.Core;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace BilateralNeuro.Synchrony;

/// <summary>Everything one pass of <see cref="KomplexNet.Run"/> produces.</summary>
/// <param name="Logits">Multi-label logits after every timestep (N, classes) each.</param>
/// <param name="Phases">Oscillator phases after the last step (N, C, H, W).</param>
/// <param name="Amplitude">Amplitude map a = ReLU(conv(x)) (N, C, H, W).</param>
/// <param name="PhaseHistory">Phases after every step when requested, else null.</param>
public sealed record KomplexRun(IReadOnlyList<Tensor> Logits, Tensor Phases, Tensor Amplitude, IReadOnlyList<Tensor>? PhaseHistory);

/// <summary>
/// KomplexNet (Muzellec et al., TMLR 2025): a Gabor-initialised real convolution gives amplitudes a (N, 8, 32, 32);
/// Kuramoto oscillators with b = tanh(a) set their phases; z = a·e^{iθ} goes through a complex 3×3 stride-2
/// convolution (instance norm, ReLU on the magnitude), a complex dense layer 2048→50 (layer norm, ReLU) and a
/// magnitude readout 50→10. After every Euler step the whole network reads out, so training averages the
/// multi-label loss over timesteps. With feedback, the previous step's outputs of the three complex layers couple
/// back into the oscillators. Outputs: <c>labels</c> (last step logits) and <c>labels_per_step</c> (N, T, classes).
/// </summary>
public sealed class KomplexNet : Module<Tensor, Dictionary<string, Tensor>>
{
    private readonly Conv2d amplitude;
    private readonly KuramotoSyncLayer? kuramoto;
    private readonly ComplexConv2d convA;
    private readonly ComplexLinear hidden;
    private readonly MagnitudeReadout readout;
    private readonly TopDownConvFeedback? feedbackConv;
    private readonly TopDownDenseFeedback? feedbackHidden;
    private readonly TopDownDenseFeedback? feedbackReadout;

    /// <summary>Creates the model (prefer <c>SynchronyModels.KomplexNet()</c>).</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">Some option is invalid.</exception>
    public KomplexNet(KomplexNetOptions options) : base(nameof(KomplexNet))
    {
        Options = OptionsValidation.ThrowIfInvalid(options ?? throw new ArgumentNullException(nameof(options)), new KomplexNetOptionsValidator()).Clone();
        var o = Options;
        amplitude = Conv2d(o.InputChannels, o.Channels, o.AmplitudeKernel, padding: o.AmplitudeKernel / 2, bias: false);
        if (o.GaborInit)
            using (no_grad()) amplitude.weight!.copy_(GaborBank.Create(o.Channels, o.AmplitudeKernel, o.InputChannels));
        if (o.Phases == PhaseMode.Kuramoto) kuramoto = new KuramotoSyncLayer(o.Kuramoto);
        convA = new ComplexConv2d(o.Channels, o.Channels, 3, stride: 2, padding: 1);
        int half = o.InputSize / 2;
        hidden = new ComplexLinear(o.Channels * half * half, o.Hidden);
        readout = new MagnitudeReadout(o.Hidden, o.Classes);
        if (o.Feedback)
        {
            feedbackConv = new TopDownConvFeedback(o.Channels, o.Channels, o.FeedbackKernel, 2, o.FeedbackStepSizes[0]);
            feedbackHidden = new TopDownDenseFeedback(o.Channels, o.Hidden, o.FeedbackStepSizes[1]);
            feedbackReadout = new TopDownDenseFeedback(o.Channels, o.Classes, o.FeedbackStepSizes[2]);
        }
        RegisterComponents();
    }

    /// <summary>The validated options (a copy).</summary>
    public KomplexNetOptions Options { get; }
    /// <summary>The oscillator layer (null unless <see cref="PhaseMode.Kuramoto"/>).</summary>
    public KuramotoSyncLayer? Oscillators => kuramoto;
    /// <summary>
    /// The oscillators' <see cref="KuramotoRegime"/> on the amplitude map (Channels × InputSize × InputSize) with the
    /// current kernel, or null without Kuramoto dynamics.
    /// </summary>
    public KuramotoRegime? Regime() => kuramoto is null ? null : KuramotoRegime.Of(kuramoto, Options.InputSize, Options.InputSize);
    /// <summary>Number of readouts per pass (Kuramoto steps).</summary>
    public int Timesteps => Options.Kuramoto.Steps;

    /// <summary>Amplitudes a = ReLU(conv(x)) for images (N, InputChannels, InputSize, InputSize).</summary>
    public Tensor Amplitude(Tensor images)
    {
        Guard.ImageBatch(images, Options.InputChannels, nameof(KomplexNet), "images", Options.InputSize);
        if (images.shape[2] != Options.InputSize || images.shape[3] != Options.InputSize)
            throw new ArgumentException($"{nameof(KomplexNet)}: expected images of {Options.InputSize}x{Options.InputSize}, got {Guard.Describe(images)}.", nameof(images));
        return functional.relu(amplitude.call(images));
    }

    /// <summary>
    /// Runs all timesteps. <paramref name="masks"/> (N, G, H, W) are required for <see cref="PhaseMode.Ideal"/>;
    /// <paramref name="initialPhases"/> overrides the random start; <paramref name="keepPhases"/> records the
    /// phase maps of every step. For fixed phases (random, ideal) the network is evaluated once and the logits repeated.
    /// </summary>
    public KomplexRun Run(Tensor images, Tensor? masks = null, bool keepPhases = false, Tensor? initialPhases = null, Generator? generator = null)
    {
        using var scope = NewDisposeScope();
        var amp = Amplitude(images);
        int steps = Timesteps;
        var logits = new List<Tensor>(steps);
        var history = keepPhases ? new List<Tensor>(steps) : null;
        Tensor theta;
        if (kuramoto is null)
        {
            if (Options.Phases == PhaseMode.Ideal)
            {
                if (masks is null) throw new InvalidOperationException($"{nameof(KomplexNet)}: ideal phases need the object masks; call Run(images, masks).");
                theta = SynchronyLoss.IdealPhases(masks, Options.Channels, generator).to(amp.device);
            }
            else theta = initialPhases ?? torch.rand(amp.shape, generator: generator).to(amp.device) * (2 * Math.PI) - Math.PI;
            var l = Forward(amp, theta).Logits;
            for (int t = 0; t < steps; t++) { logits.Add(l); history?.Add(theta); }
        }
        else
        {
            var b = amp.tanh();
            var plan = kuramoto.Plan(amp.shape[2], amp.shape[3]);
            theta = initialPhases ?? kuramoto.InitialPhases(amp, generator);
            (ComplexActivation A, ComplexActivation H, ComplexActivation O)? last = null;
            for (int t = 0; t < steps; t++)
            {
                var next = kuramoto.Step(b, theta, plan);
                if (last is { } p && feedbackConv is not null)
                    next = next + feedbackConv.call(theta, p.A) + feedbackHidden!.call(theta, p.H) + feedbackReadout!.call(theta, p.O);
                theta = next;
                var f = Forward(amp, theta);
                logits.Add(f.Logits);
                history?.Add(theta);
                last = (f.A, f.H, f.O);
            }
        }
        foreach (var l in logits.Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>()) l.MoveToOuterDisposeScope();
        if (history is not null) foreach (var h in history.Distinct(ReferenceEqualityComparer.Instance).Cast<Tensor>()) h.MoveToOuterDisposeScope();
        return new KomplexRun(logits, theta.MoveToOuterDisposeScope(), amp.MoveToOuterDisposeScope(), history);
    }

    private (Tensor Logits, ComplexActivation A, ComplexActivation H, ComplexActivation O) Forward(Tensor amp, Tensor theta)
    {
        var a = convA.call(new ComplexActivation(amp, theta));
        var h = hidden.call(a.Flatten());
        var r = readout.call(h);
        return (r.Logits, a, h, r.Output);
    }

    /// <summary>Outputs <c>labels</c> (last-step logits) and <c>labels_per_step</c> (N, T, classes).</summary>
    public override Dictionary<string, Tensor> forward(Tensor images)
    {
        using var scope = NewDisposeScope();
        var run = Run(images);
        var perStep = torch.stack(run.Logits, 1);
        return new Dictionary<string, Tensor>
        {
            ["labels"] = run.Logits[^1].MoveToOuterDisposeScope(),
            ["labels_per_step"] = perStep.MoveToOuterDisposeScope(),
        };
    }
}
