namespace BilateralNeuro.Resources;

/// <summary>Keys of the output dictionary of a <see cref="LatticeNetwork"/>.</summary>
public static class LatticeOutputs
{
    /// <summary>
    /// (N, K) log-probabilities of the time mixture, log sum_t p_t softmax(logits_t): cross-entropy on it is the
    /// negative log-likelihood of "stop at step t with probability p_t and answer with step t's readout".
    /// </summary>
    public const string Label = "label";
    /// <summary>(N, T, K) the readout's logits at every step.</summary>
    public const string StepLogits = "step_logits";
    /// <summary>(N, T) the time distribution p (rows sum to one).</summary>
    public const string Time = "time";
    /// <summary>(N, T - 1) halting probabilities lambda_t (halting mode only; the last step takes the remainder).</summary>
    public const string Halting = "halting";
    /// <summary>(N) expected number of steps sum_t t * p_t (t counted from 1).</summary>
    public const string ExpectedSteps = "expected_steps";
}
