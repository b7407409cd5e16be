using TorchSharp;
using static TorchSharp.torch;

namespace BilateralNeuro.Synchrony;

/// <summary>
/// The pair of "same" cross-correlations (K ⋆ bc, K ⋆ bs) of a Kuramoto step as <b>one</b> complex correlation:
/// because K is real, K ⋆ (bc + i·bs) = K ⋆ bc + i·(K ⋆ bs), so the step transforms z = b·e^{iθ} once with a complex
/// FFT (fft2 of size L_h × L_w, L = smooth(H + k/2), as <see cref="FftCorrelation"/>) and reads K ⋆ bc and K ⋆ bs off
/// the real and imaginary parts of one inverse transform. The kernel's forward and adjoint spectra are computed once
/// per plan (per forward pass) and reused by all T steps.
/// Channels are mixed per frequency by one batched complex matmul on frequency-major spectra (F, B, C) — the spectra
/// are transposed to that layout and back by 2-D blocked copies — and the kernel gradient is one batched matmul Gᴴ Z
/// per frequency (it was C broadcast products and sums over the batch). The global term −ε·Σz is added at frequency 0.
/// A whole Euler step (<see cref="Step"/>) is one autograd node, <see cref="KuramotoComplexStepFunction"/>, with a
/// hand-written backward that saves θ, b and r = Re(e^{−iθ}·w) and recomputes the input spectrum (the direct port's
/// autograd saves seven real maps per step: θ, cos, sin, bc, bs and both coupling terms).
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
        using var scope = NewDisposeScope();
        using var _ = torch.no_grad();
        var k = kernel.detach();
        // As FftCorrelation: correlation with K = convolution with K flipped; the adjoint is convolution with Kᵀ.
        // Stored frequency-major, (F, C_in, C_out) and (F, C_out, C_in), as the right factors of the per-frequency
        // channel mixing done as one batched matmul (F, N, C_in) @ (F, C_in, C_out).
        Forward = torch.fft.fft2(k.flip(2, 3), s: [Lh, Lw]).reshape(k.shape[0], k.shape[1], -1).permute(2, 1, 0).contiguous().MoveToOuterDisposeScope();
        Adjoint = torch.fft.fft2(k.transpose(0, 1), s: [Lh, Lw]).reshape(k.shape[1], k.shape[0], -1).permute(2, 1, 0).contiguous().MoveToOuterDisposeScope();
    }

    public Tensor Kernel { get; }
    public int KernelSize { get; }
    public int Pad { get; }
    public long Height { get; }
    public long Width { get; }
    public long Lh { get; }
    public long Lw { get; }
    /// <summary>Spectrum of the flipped kernel, frequency-major (L_h·L_w, C_in, C_out).</summary>
    public Tensor Forward { get; }
    /// <summary>Spectrum of the transposed kernel, frequency-major (L_h·L_w, C_out, C_in): the adjoint correlation.</summary>
    public Tensor Adjoint { get; }

    /// <summary>(K ⋆ re; K ⋆ im) stacked on the batch axis (2B, C_out, H, W), differentiable in both inputs and the kernel.</summary>
    public Tensor Apply(Tensor re, Tensor im)
    {
        bool differentiable = torch.is_grad_enabled() && (re.requires_grad || im.requires_grad || Kernel.requires_grad);
        if (differentiable) return ComplexFftCorrelationFunction.apply(re, im, Kernel, this);
        using var scope = NewDisposeScope();
        using var z = torch.complex(re, im);
        var y = Correlate(Spectrum(z), Forward);
        return torch.cat([y.real, y.imag], 0).MoveToOuterDisposeScope();
    }

    /// <summary>Frequency-major spectrum (L_h·L_w, B, C) of complex maps (B, C, H, W) zero-padded to L_h × L_w.</summary>
    public Tensor Spectrum(Tensor z)
    {
        using var full = torch.fft.fft2(z, s: [Lh, Lw]);
        // As a 2-D transpose (B·C, F) -> (F, B·C): LibTorch copies 2-D transposes in cache blocks; a 3-D permute
        // copy walks one side with a 4 KiB stride at B·C = 512 and was several times slower.
        return full.reshape(z.shape[0] * z.shape[1], -1).t().contiguous().reshape(-1, z.shape[0], z.shape[1]);
    }

    /// <summary>
    /// The "same" correlation of the maps whose frequency-major spectrum is <paramref name="spectrum"/> (F, B, C_in)
    /// with the kernel whose frequency-major spectrum is <paramref name="kernel"/> (F, C_in, C_out): channels mixed by
    /// one batched complex matmul, inverse transform, H × W crop at offset k/2. Complex (B, C_out, H, W), a strided
    /// view of the full inverse transform.
    /// </summary>
    public Tensor Correlate(Tensor spectrum, Tensor kernel, double epsilon = 0)
    {
        long f = spectrum.shape[0], b = spectrum.shape[1], cOut = kernel.shape[2];
        using var mixed = torch.bmm(spectrum, kernel);   // (F, B, C_out)
        if (epsilon != 0)
        {
            // − ε·Σ_(c,h,w) x per sample: a constant over the whole L_h × L_w output is L_h·L_w times that constant
            // at frequency 0, and Σ x is the sum of the input's frequency-0 terms over its channels.
            using var total = spectrum.select(0, 0).sum(1, keepdim: true);   // (B, 1)
            mixed.select(0, 0).add_(total, -epsilon * Lh * Lw);
        }
        // Back to batch-major (B·C_out, F) by a 2-D blocked transpose; the inverse FFT needs contiguous maps
        // (on a strided view it was ~8x slower).
        using var batchMajor = mixed.reshape(f, b * cOut).t().contiguous().reshape(b, cOut, Lh, Lw);
        var full = torch.fft.ifft2(batchMajor);
        return full.narrow(2, Pad, Height).narrow(3, Pad, Width);
    }

    /// <summary>
    /// ∂L/∂K for frequency-major gradient spectra G (F, B, C_out) and input spectra Z (F, B, C_in):
    /// Re Σ_n conj(G[n, o]) Z[n, c] at lags −k/2..k/2 (one batched matmul Gᴴ Z per frequency); linear, not circular,
    /// because L ≥ H + k/2.
    /// </summary>
    public Tensor KernelGradient(Tensor g, Tensor z)
    {
        using var scope = NewDisposeScope();
        var product = torch.bmm(g.transpose(1, 2).conj(), z);   // (F, C_out, C_in)
        var r = torch.fft.ifft2(product.reshape(product.shape[0], -1).t().contiguous().reshape(g.shape[2], z.shape[2], Lh, Lw)).real;
        return r.roll([Pad, Pad], [2, 3]).narrow(2, 0, KernelSize).narrow(3, 0, KernelSize).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The Kuramoto velocity term fused with its coupling: <c>(addTheta ? θ : 0) + scale·dθ</c> with
    /// dθ = Im(e^{−iθ}·w), w = K ⋆ (b·e^{iθ}) − ε·Σ_(c,h,w) b·e^{iθ} (per sample), i.e. cos θ·(K⋆bs − εΣbs) −
    /// sin θ·(K⋆bc − εΣbc) as in <see cref="KuramotoSyncLayer.Velocity"/>. Under autograd this is one node with a
    /// hand-written backward (<see cref="KuramotoComplexStepFunction"/>).
    /// </summary>
    public Tensor Step(Tensor b, Tensor theta, double epsilon, double scale, bool addTheta)
    {
        bool differentiable = torch.is_grad_enabled() && (b.requires_grad || theta.requires_grad || Kernel.requires_grad);
        if (differentiable) return KuramotoComplexStepFunction.apply(theta, b, Kernel, this, epsilon, scale, addTheta);
        using var scope = NewDisposeScope();
        return StepForward(b, theta, epsilon, scale, addTheta, out _, out _).MoveToOuterDisposeScope();
    }

    /// <summary>Forward of <see cref="Step"/>; also returns r = Re(e^{−iθ}·w) (for the backward) and the input spectrum (F, B, C).</summary>
    internal Tensor StepForward(Tensor b, Tensor theta, double epsilon, double scale, bool addTheta, out Tensor r, out Tensor spectrum)
    {
        var u = torch.complex(theta.cos(), theta.sin());
        spectrum = Spectrum(u * b);
        var w = Correlate(spectrum, Forward, epsilon);   // K ⋆ z − ε·Σz, a strided crop
        var q = w * u.conj();                            // e^{−iθ}·w: r = Re q, dθ = Im q
        r = q.real;
        return addTheta ? theta.add(q.imag, scale) : q.imag * scale;
    }
}

/// <summary>
/// The autograd node of one fused Kuramoto velocity/step on the <see cref="CouplingPath.ComplexFft"/> path
/// (inputs θ, b, K). Saves θ, b (inputs) and r = Re(e^{−iθ}·w) and recomputes the input spectrum; its backward, with
/// g = ∂L/∂out, u = e^{iθ}, h = i·scale·g·u and h_z = Kᵀ ⋆ h − ε·Σh (the adjoint correlation, same transforms):
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
        var output = plan.StepForward(b, theta, epsilon, scale, addTheta, out var r, out var spectrum);
        // Saved tensors are committed after forward returns, so those made here must outlive this scope (the
        // caller's scope releases the managed handles; the graph keeps the data).
        r = r.contiguous().MoveToOuterDisposeScope();   // a real copy (N, C, H, W), not a view keeping q alive
        // The plan's adjoint spectrum belongs to the forward pass's dispose scope; the graph keeps it for backward.
        // The input spectrum is not saved (6.5 MB per step at batch 64, 8x32x32: saving it took the pass's live
        // memory above the direct port's); the backward recomputes it from θ and b.
        ctx.save_for_backward([theta, b, r, plan.Adjoint]);
        ctx.save_data("step", (plan, epsilon, scale, addTheta, theta.requires_grad, b.requires_grad, kernel.requires_grad));
        return output.MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor g)
    {
        var (plan, epsilon, scale, addTheta, thetaGrad, bGrad, kernelGrad) =
            ((ComplexFftCorrelation, double, double, bool, bool, bool, bool))ctx.get_data("step");
        var saved = ctx.get_saved_variables();
        Tensor theta = saved[0], b = saved[1], r = saved[2], adjoint = saved[3];
        using var scope = NewDisposeScope();
        var sin = theta.sin();
        var cos = theta.cos();
        var iu = torch.complex(sin.neg(), cos);            // i·e^{iθ}
        var gs = g * scale;
        var h = iu * gs;                                   // h = i·scale·g·e^{iθ}
        var hSpectrum = plan.Spectrum(h);
        Tensor? gTheta = null, gB = null, gK = null;
        if (thetaGrad || bGrad)
        {
            var hz = plan.Correlate(hSpectrum, adjoint, epsilon);   // Kᵀ ⋆ h − ε·Σh
            // conj(u)·h_z = i·conj(iu)·h_z, so with p = h_z·conj(iu): Im(conj(u)·h_z) = Re p, Re(conj(u)·h_z) = −Im p.
            var p = hz * iu.conj();
            if (thetaGrad)
            {
                gTheta = b * p.real - gs * r;
                if (addTheta) gTheta.add_(g);
                gTheta.MoveToOuterDisposeScope();
            }
            if (bGrad) gB = p.imag.neg().MoveToOuterDisposeScope();
        }
        if (kernelGrad) gK = plan.KernelGradient(hSpectrum, plan.Spectrum(torch.complex(b * cos, b * sin))).MoveToOuterDisposeScope();
        // The incoming gradient and the unpacked saved tensors are fresh handles that no scope owns; releasing them
        // here lets the graph free this step's tensors now instead of when the GC finalises the handles (measured:
        // otherwise the pass's live peak grew by about a gradient map per step).
        ReleaseHandles(g, saved);
        return [gTheta!, gB!, gK!, null!, null!, null!, null!];
    }

    internal static void ReleaseHandles(Tensor grad, List<Tensor> saved)
    {
        grad.Dispose();
        foreach (var t in saved) t?.Dispose();
    }
}

/// <summary>The autograd node of <see cref="ComplexFftCorrelation.Apply"/> (inputs re, im, kernel K; hand-written backward).</summary>
internal sealed class ComplexFftCorrelationFunction : torch.autograd.SingleTensorFunction<ComplexFftCorrelationFunction>
{
    public override string Name => "KuramotoComplexFftCorrelation";

    public override Tensor forward(torch.autograd.AutogradContext ctx, params object[] vars)
    {
        var re = (Tensor)vars[0];
        var im = (Tensor)vars[1];
        var kernel = (Tensor)vars[2];
        var plan = (ComplexFftCorrelation)vars[3];
        using var scope = NewDisposeScope();
        var spectrum = plan.Spectrum(torch.complex(re, im));
        var y = plan.Correlate(spectrum, plan.Forward);
        if (kernel.requires_grad) spectrum.MoveToOuterDisposeScope();   // committed after forward returns
        ctx.save_for_backward(kernel.requires_grad ? [plan.Adjoint, spectrum] : [plan.Adjoint]);
        ctx.save_data("grads", (plan, re.requires_grad, im.requires_grad, kernel.requires_grad));
        return torch.cat([y.real, y.imag], 0).MoveToOuterDisposeScope();
    }

    public override List<Tensor> backward(torch.autograd.AutogradContext ctx, Tensor gradOutput)
    {
        var (plan, reGrad, imGrad, kernelGrad) = ((ComplexFftCorrelation, bool, bool, bool))ctx.get_data("grads");
        var saved = ctx.get_saved_variables();
        using var scope = NewDisposeScope();
        long b = gradOutput.shape[0] / 2;
        // gradOutput is (2B, C_out, H, W): the gradients of K ⋆ re (first B) and K ⋆ im (last B), i.e. of the
        // complex output w = K ⋆ (re + i·im) in the convention dL = Re Σ conj(g)·dw with g = g_re + i·g_im.
        var g = plan.Spectrum(torch.complex(gradOutput.narrow(0, 0, b), gradOutput.narrow(0, b, b)));
        Tensor? gradRe = null, gradIm = null, gk = null;
        if (reGrad || imGrad)
        {
            var x = plan.Correlate(g, saved[0]);
            if (reGrad) gradRe = x.real.contiguous().MoveToOuterDisposeScope();
            if (imGrad) gradIm = x.imag.contiguous().MoveToOuterDisposeScope();
        }
        if (kernelGrad) gk = plan.KernelGradient(g, saved[1]).MoveToOuterDisposeScope();
        KuramotoComplexStepFunction.ReleaseHandles(gradOutput, saved);
        return [gradRe!, gradIm!, gk!, null!];
    }
}
