namespace BilateralNeuro.Resources;

/// <summary>
/// Which recurrent connections a <see cref="LatticeNetwork"/> has, named as in Spoerer, McClure and Kriegeskorte
/// (2017): B = bottom-up only (feedforward), BL = plus lateral, BT = plus top-down, BLT = all three.
/// </summary>
[Flags]
public enum Connections
{
    /// <summary>Bottom-up: layer l-1 at the current step drives layer l.</summary>
    BottomUp = 1,
    /// <summary>Lateral: layer l at the previous step drives layer l.</summary>
    Lateral = 2,
    /// <summary>Top-down: layer l+1 at the previous step drives layer l (upsampled to layer l's size).</summary>
    TopDown = 4,
    /// <summary>Bottom-up only (a feedforward net unrolled over time).</summary>
    B = BottomUp,
    /// <summary>Bottom-up and lateral.</summary>
    BL = BottomUp | Lateral,
    /// <summary>Bottom-up and top-down.</summary>
    BT = BottomUp | TopDown,
    /// <summary>Bottom-up, lateral and top-down.</summary>
    BLT = BottomUp | Lateral | TopDown,
}

/// <summary>How a <see cref="LatticeNetwork"/> distributes its answer over time steps.</summary>
public enum TimeMode
{
    /// <summary>
    /// Input-dependent halting (PonderNet-style): a halting unit gives lambda_t per input and step, and
    /// p_t = lambda_t * prod_{j&lt;t}(1 - lambda_j); the last step takes the remainder so p sums to one.
    /// </summary>
    Halting,
    /// <summary>A learned input-independent mixing: p = softmax(tau) over steps.</summary>
    FixedMixing,
}
