using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// The pair of "same" cross-correlations (K ⋆ bc, K ⋆ bs) of a Kuramoto step as <b>one</b> complex correlation:
/// because K is real, K ⋆ (bc + i·bs) = K ⋆ bc + i·(K ⋆ bs), so the step transforms z = b·e^{iθ} once with a complex
/// FFT (fft2 of size L_h × L_w, L = smooth(H + k/2), as <see cref="FftCorrelation"/>) instead of transforming bc and bs
/// with two real FFTs, mixes channels per frequency on the full spectrum with the same C complex multiply-adds, and
/// reads K ⋆ bc and K ⋆ bs off the real and imaginary parts of one inverse transform. The kernel's forward and adjoint
/// spectra are computed once per plan (per forward pass) and reused by all T steps.
/// Work per step and sample compared with <see cref="FftCorrelation"/> (C channels, L = 40 at H = 32, k = 13): forward
/// C complex transforms and C inverse ones instead of 2C real and 2C inverse real ones — half the transform calls; by
/// arithmetic about equal (a real FFT costs about half a complex one: 2L + 2 against 2L one-dimensional complex
/// transforms per pair of maps), and 1,600 frequencies mixed per map pair instead of 2 × 840 = 1,680 (−5 %). The
/// hand-written backward (<see cref="ComplexFftCorrelationFunction"/>) saves only the real inputs bc and bs (as the
/// direct convolution does), recomputes their spectrum, and works on half the batch at a time so its complex spectra
/// are no larger than the real path's.
/// </summary>
internal sealed class ComplexFftCorrelation
{
    /// <summary>Prepares the transforms for maps of <paramref name="height"/> × <paramref name="width"/>.</summary>
    public ComplexFftCorrelation(Tensor kernel, long height, long width)
    {
        Kernel = kernel;
        KernelSize = (int)kernel.shape[2];
        Pad = KernelSize / 2;
        Height = height;
        Width = width;
        Lh = CouplingPlan.SmoothSize(height + Pad);
        Lw = CouplingPlan.SmoothSize(width + Pad);
        using var _ = torch.no_grad();
        var k = kernel.detach();
        // As FftCorrelation: correlation with K = convolution with K flipped; the adjoint is convolution with Kᵀ.
        Forward = torch.fft.fft2(k.flip(2, 3), s: [Lh, Lw]).reshape(k.shape[0], k.shape[1], -1);
        Adjoint = torch.fft.fft2(k.transpose(0, 1), s: [Lh, Lw]).reshape(k.shape[1], k.shape[0], -1);
        ForwardPrepared = new SpectralKernels.Prepared(Forward);
        AdjointPrepared = new SpectralKernels.Prepared(Adjoint);
    }

    /// <summary><see cref="Forward"/> laid out for <see cref="SpectralKernels.Mix"/>.</summary>
    internal SpectralKernels.Prepared ForwardPrepared { get; }
    /// <summary><see cref="Adjoint"/> laid out for <see cref="SpectralKernels.Mix"/>.</summary>
    internal SpectralKernels.Prepared AdjointPrepared { get; }

    public Tensor Kernel { get; }
    public int KernelSize { get; }
    public int Pad { get; }
    public long Height { get; }
    public long Width { get; }
    public long Lh { get; }
    public long Lw { get; }
    /// <summary>Full spectrum of the flipped kernel (C_out, C_in, L_h·L_w).</summary>
    public Tensor Forward { get; }
    /// <summary>Full spectrum of the transposed kernel (C_in, C_out, L_h·L_w): the adjoint correlation.</summary>
    public Tensor Adjoint { get; }

    /// <summary>(K ⋆ re; K ⋆ im) stacked on the batch axis (2B, C_out, H, W), differentiable in both inputs and the kernel.</summary>
    public Tensor Apply(Tensor re, Tensor im)
    {
        bool differentiable = torch.is_grad_enabled() && (re.requires_grad || im.requires_grad || Kernel.requires_grad);
        return differentiable ? ComplexFftCorrelationFunction.apply(re, im, Kernel, Adjoint, this) : Correlate(re, im, ForwardPrepared);
    }

    /// <summary>Spectrum (B, C, L_h·L_w) of re + i·im (B, C, H, W) zero-padded to L_h × L_w.</summary>
    public Tensor Spectrum(Tensor re, Tensor im)
    {
        using var z = torch.complex(re, im);
        return torch.fft.fft2(z, s: [Lh, Lw]).reshape(re.shape[0], re.shape[1], -1);
    }

    /// <summary>"Same" correlation of re + i·im with the kernel whose spectrum is given; real and imaginary parts stacked (2B, C, H, W).</summary>
    internal Tensor Correlate(Tensor re, Tensor im, SpectralKernels.Prepared spectrum)
    {
        using var scope = NewDisposeScope();
        using var zs = Spectrum(re, im);
        using var mixed = SpectralKernels.Use(zs) ? SpectralKernels.Mix(zs, spectrum) : FftCorrelation.Mix(zs, spectrum == ForwardPrepared ? Forward : Adjoint);
        return Split(mixed).MoveToOuterDisposeScope();
    }

    /// <summary>Inverse transform of (B, C, L_h·L_w), the H × W crop at offset k/2, its real and imaginary parts stacked (2B, C, H, W).</summary>
    public Tensor Split(Tensor y)
    {
        using var scope = NewDisposeScope();
        var full = torch.fft.ifft2(y.reshape(y.shape[0], y.shape[1], Lh, Lw));
        var crop = full.narrow(2, Pad, Height).narrow(3, Pad, Width);
        return torch.cat([crop.real, crop.imag], 0).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// ∂L/∂K for gradient spectra G = ĝ_re + i·ĝ_im (B, C_out, F) and input spectra Z (B, C_in, F):
    /// Re Σ_n conj(G[n, o]) Z[n, c] at lags −k/2..k/2 = corr(g_re, re) + corr(g_im, im), the sum of the two real
    /// kernel gradients (linear, not circular, because L ≥ H + k/2).
    /// </summary>
    public Tensor KernelGradient(Tensor g, Tensor z)
    {
        using var scope = NewDisposeScope();
        // (C_out, C_in, F): one pass over g and z with the C# loops, else LibTorch's broadcast products.
        var products = SpectralKernels.Use(g) ? SpectralKernels.ConjProductSum(g, z) : FftCorrelation.ConjProductSum(g, z);
        var r = torch.fft.ifft2(products.reshape(g.shape[1], z.shape[1], Lh, Lw)).real;
        return r.roll([Pad, Pad], [2, 3]).narrow(2, 0, KernelSize).narrow(3, 0, KernelSize).contiguous().MoveToOuterDisposeScope();
    }
    /// <summary>
    /// The Kuramoto velocity fused with its coupling: <c>(addTheta ? θ : 0) + scale·dθ</c> with dθ = Im(e^{−iθ}·w),
    /// w = K ⋆ (b·e^{iθ}) − ε·Σ_(c,h,w) b·e^{iθ} per sample, i.e. cos θ·(K⋆bs − εΣbs) − sin θ·(K⋆bc − εΣbc) as in
    /// <see cref="KuramotoSyncLayer.Velocity"/>. Under autograd it is one node with a hand-written backward
    /// (<see cref="KuramotoComplexStepFunction"/>); the LibTorch formulation has about 17 elementwise nodes per step.
    /// </summary>
    public Tensor Step(Tensor b, Tensor theta, double epsilon, double scale, bool addTheta)
    {
        bool differentiable = torch.is_grad_enabled() && (b.requires_grad || theta.requires_grad || Kernel.requires_grad);
        if (differentiable) return KuramotoComplexStepFunction.apply(theta, b, Kernel, this, epsilon, scale, addTheta);
        using var scope = NewDisposeScope();
        return StepForward(b, theta, epsilon, scale, addTheta, out _).MoveToOuterDisposeScope();
    }

    /// <summary>Spectrum (B, C, L_h·L_w) of complex maps (B, C, H, W) zero-padded to L_h × L_w.</summary>
    public Tensor Spectrum(Tensor z) => torch.fft.fft2(z, s: [Lh, Lw]).reshape(z.shape[0], z.shape[1], -1);

    /// <summary>Spectrum (B, C, L_h·L_w) of complex maps already zero-padded to (B, C, L_h, L_w) (<see cref="SpectralKernels.PadModulate"/>).</summary>
    internal static Tensor PaddedSpectrum(Tensor zPadded) => torch.fft.fft2(zPadded).reshape(zPadded.shape[0], zPadded.shape[1], -1);

    /// <summary>
    /// "Same" correlation of the maps with spectrum (B, C_in, F) and a prepared kernel spectrum, minus ε·Σ_(c,h,w) of
    /// the input per sample (added at frequency 0: a constant over the L_h × L_w output is L_h·L_w times it there);
    /// complex (B, C_out, H, W), a strided crop of the inverse transform.
    /// </summary>
    internal Tensor CorrelateSpectrum(Tensor spectrum, SpectralKernels.Prepared kernel, double epsilon) =>
        CorrelateFull(spectrum, kernel, epsilon).narrow(2, Pad, Height).narrow(3, Pad, Width);

    /// <summary>As <see cref="CorrelateSpectrum"/>, the whole inverse transform (B, C_out, L_h, L_w) before the crop.</summary>
    internal Tensor CorrelateFull(Tensor spectrum, SpectralKernels.Prepared kernel, double epsilon)
    {
        using var mixed = SpectralKernels.Use(spectrum) ? SpectralKernels.Mix(spectrum, kernel) : FftCorrelation.Mix(spectrum, kernel == ForwardPrepared ? Forward : Adjoint);
        if (epsilon != 0)
        {
            using var total = spectrum.select(2, 0).sum(1, keepdim: true);   // (B, 1): Σ over channels of the frequency-0 terms
            mixed.select(2, 0).add_(total, -epsilon * Lh * Lw);
        }
        return torch.fft.ifft2(mixed.reshape(mixed.shape[0], mixed.shape[1], Lh, Lw));
    }

    /// <summary>Forward of <see cref="Step"/>; also returns r = Re(e^{−iθ}·w) (for the backward).</summary>
    internal Tensor StepForward(Tensor b, Tensor theta, double epsilon, double scale, bool addTheta, out Tensor r)
    {
        if (SpectralKernels.UseMaps(b, theta))
        {
            // The same arithmetic with the elementwise work in two passes (modulate + pad, demodulate + crop).
            using var cos = theta.cos();
            using var sin = theta.sin();
            using var padded = SpectralKernels.PadModulate(b, cos, sin, Lh, Lw, 1f, rotate: false);
            using var zs = PaddedSpectrum(padded);
            using var full = CorrelateFull(zs, ForwardPrepared, epsilon);
            var (qr, qi) = SpectralKernels.Demodulate(full, cos, sin, Pad);
            r = qr;
            if (addTheta) { using (qi) return theta.add(qi, scale); }
            return qi.mul_(scale);
        }
        var u = torch.complex(theta.cos(), theta.sin());     // e^{iθ}
        using var spectrum = Spectrum(u * b);
        var w = CorrelateSpectrum(spectrum, ForwardPrepared, epsilon);
        var q = w * u.conj();                                 // e^{−iθ}·w: r = Re q, dθ = Im q
        r = q.real;
        return addTheta ? theta.add(q.imag, scale) : q.imag * scale;
    }
}

/// <summary>
/// The autograd node of one fused Kuramoto step on the <see cref="CouplingPath.ComplexFft"/> path (inputs θ, b, K).
/// Saves θ, b and r = Re(e^{−iθ}·w) and recomputes the input spectrum; with g = ∂L/∂out, u = e^{iθ},
/// h = i·scale·g·u and h_z = Kᵀ ⋆ h − ε·Σh (the adjoint correlation, same transforms):
/// ∂L/∂θ = [addTheta]·g − scale·g·r + b·Im(conj(u)·h_z), ∂L/∂b = Re(conj(u)·h_z), ∂L/∂K = Re corr(h, b·u).
/// </summary>
internal sealed class KuramotoComplexStepFunction : torch.autograd.SingleTensorFunction<KuramotoComplexStepFunction>
{
    public override string Name => "KuramotoComplexFftStep";

    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var theta = (Tensor)vars[0];
        var b = (Tensor)vars[1];
        var kernel = (Tensor)vars[2];
        var plan = (ComplexFftCorrelation)vars[3];
        double epsilon = (double)vars[4], scale = (double)vars[5];
        bool addTheta = (bool)vars[6];
        using var scope = NewDisposeScope();
        var output = plan.StepForward(b, theta, epsilon, scale, addTheta, out var r);
        // Saved tensors are committed after forward returns, so those made here must outlive this scope.
        r = r.contiguous().MoveToOuterDisposeScope();   // a real copy (N, C, H, W), not a view keeping q alive
        ctx.save_for_backward([theta, b, r]);
        ctx.save_data("step", (plan, epsilon, scale, addTheta, theta.requires_grad, b.requires_grad, kernel.requires_grad));
        return output.MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor g)
    {
        var (plan, epsilon, scale, addTheta, thetaGrad, bGrad, kernelGrad) =
            ((ComplexFftCorrelation, double, double, bool, bool, bool, bool))ctx.get_data("step");
        var saved = ctx.get_saved_variables();
        Tensor theta = saved[0], b = saved[1], r = saved[2];
        using var scope = NewDisposeScope();
        var cos = theta.cos();
        var sin = theta.sin();
        Tensor? gTheta = null, gB = null, gK = null;
        if (SpectralKernels.UseMaps(b, theta) && g.dtype == ScalarType.Float32 && g.shape.SequenceEqual(b.shape))
        {
            // As below, with the elementwise work in the C# passes: h = scale·g·i·e^{iθ}, p = conj(e^{iθ})·h_z.
            var hs = ComplexFftCorrelation.PaddedSpectrum(SpectralKernels.PadModulate(g, cos, sin, plan.Lh, plan.Lw, (float)scale, rotate: true));
            if (thetaGrad || bGrad)
            {
                var (pr, pi) = SpectralKernels.Demodulate(plan.CorrelateFull(hs, plan.AdjointPrepared, epsilon), cos, sin, plan.Pad);
                if (thetaGrad)
                {
                    gTheta = (b * pi).addcmul_(g, r, -scale);
                    if (addTheta) gTheta.add_(g);
                    gTheta.MoveToOuterDisposeScope();
                }
                if (bGrad) gB = pr.MoveToOuterDisposeScope();
            }
            if (kernelGrad) gK = plan.KernelGradient(hs, ComplexFftCorrelation.PaddedSpectrum(SpectralKernels.PadModulate(b, cos, sin, plan.Lh, plan.Lw, 1f, rotate: false))).MoveToOuterDisposeScope();
            return [gTheta!, gB!, gK!, null!, null!, null!, null!];
        }
        var u = torch.complex(cos, sin);                     // e^{iθ}
        var gs = g * scale;
        var h = torch.complex(sin.neg() * gs, cos * gs);     // h = i·scale·g·e^{iθ}
        var hSpectrum = plan.Spectrum(h);
        if (thetaGrad || bGrad)
        {
            var hz = plan.CorrelateSpectrum(hSpectrum, plan.AdjointPrepared, epsilon);   // Kᵀ ⋆ h − ε·Σh
            var p = hz * u.conj();                                                        // conj(u)·h_z
            if (thetaGrad)
            {
                gTheta = b * p.imag - gs * r;
                if (addTheta) gTheta.add_(g);
                gTheta.MoveToOuterDisposeScope();
            }
            if (bGrad) gB = p.real.contiguous().MoveToOuterDisposeScope();
        }
        if (kernelGrad) gK = plan.KernelGradient(hSpectrum, plan.Spectrum(u * b)).MoveToOuterDisposeScope();
        // The incoming gradient and the unpacked saved tensors are left to TorchSharp (it owns the gradient's handle;
        // disposing both here made no difference to live memory: 294 MB with, 293 MB without, --live-rss).
        return [gTheta!, gB!, gK!, null!, null!, null!, null!];
    }
}


/// <summary>The autograd node of <see cref="ComplexFftCorrelation"/> (inputs re, im, kernel K; hand-written backward).</summary>
internal sealed class ComplexFftCorrelationFunction : torch.autograd.SingleTensorFunction<ComplexFftCorrelationFunction>
{
    public override string Name => "KuramotoComplexFftCorrelation";

    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var re = (Tensor)vars[0];
        var im = (Tensor)vars[1];
        var kernel = (Tensor)vars[2];
        var adjoint = (Tensor)vars[3];
        var plan = (ComplexFftCorrelation)vars[4];
        ctx.save_for_backward([re, im, adjoint]);   // the real inputs only; their spectrum is recomputed in backward
        ctx.save_data("plan", plan);
        ctx.save_data("grads", (re.requires_grad || im.requires_grad, re.requires_grad, im.requires_grad, kernel.requires_grad));
        return plan.Correlate(re, im, plan.ForwardPrepared);
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var plan = (ComplexFftCorrelation)ctx.get_data("plan");
        var (inputGrad, reGrad, imGrad, kernelGrad) = ((bool, bool, bool, bool))ctx.get_data("grads");
        var saved = ctx.get_saved_variables();
        Tensor re = saved[0], im = saved[1], adjoint = saved[2];
        using var scope = NewDisposeScope();
        long b = re.shape[0], half = (b + 1) / 2;
        // gradOutput is (2B, C_out, H, W): the gradients of K ⋆ re (first B) and K ⋆ im (last B).
        var gRe = gradOutput.narrow(0, 0, b);
        var gIm = gradOutput.narrow(0, b, b);
        Tensor? gx = inputGrad ? torch.empty([2 * b, re.shape[1], re.shape[2], re.shape[3]], dtype: gradOutput.dtype, device: gradOutput.device) : null;
        Tensor? gk = null;
        // Half the batch at a time: the complex spectra of B/2 samples are as large as the real path's of B maps.
        for (long start = 0; start < b; start += half)
        {
            long n = Math.Min(half, b - start);
            using var chunk = NewDisposeScope();
            using var g = plan.Spectrum(gRe.narrow(0, start, n), gIm.narrow(0, start, n));
            if (gx is not null)
            {
                using var mixed = SpectralKernels.Use(g) ? SpectralKernels.Mix(g, plan.AdjointPrepared) : FftCorrelation.Mix(g, adjoint);
                using var parts = plan.Split(mixed);   // (2n, C_in, H, W): gradients of re, then of im
                gx.narrow(0, start, n).copy_(parts.narrow(0, 0, n));
                gx.narrow(0, b + start, n).copy_(parts.narrow(0, n, n));
            }
            if (kernelGrad)
            {
                using var z = plan.Spectrum(re.narrow(0, start, n), im.narrow(0, start, n));
                var part = plan.KernelGradient(g, z);
                if (gk is null) gk = part.MoveToOuterDisposeScope(); else gk.add_(part);
            }
        }
        Tensor? gradRe = gx is not null && reGrad ? gx.narrow(0, 0, b).MoveToOuterDisposeScope() : null;
        Tensor? gradIm = gx is not null && imGrad ? gx.narrow(0, b, b).MoveToOuterDisposeScope() : null;
        gk?.MoveToOuterDisposeScope();
        return [gradRe!, gradIm!, gk!, null!, null!];
    }
}
