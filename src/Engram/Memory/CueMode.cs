namespace Engram.Memory;

/// <summary>How a partial cue (a state plus an observation mask) enters the dynamics.</summary>
public enum CueMode
{
    /// <summary>
    /// The paper's protocol: missing components are zeros and take part in the similarity like any
    /// others; every component is free to move.
    /// </summary>
    Full,

    /// <summary>As <see cref="Full"/>, but observed components are reset to the cue after each step.</summary>
    Clamped,

    /// <summary>
    /// The similarity uses observed components only, and observed components are clamped: a Hopfield
    /// network over the observed coordinates whose read-out <c>Xᵀp</c> fills in the rest.
    /// </summary>
    Masked,

    /// <summary>
    /// The similarity uses observed components only, and nothing is clamped: the cue starts the
    /// state and chooses which memories compete, then every component moves to the read-out. For
    /// cues that are estimates themselves, such as an encoder's code of an occluded image, whose
    /// observed part should not be held fixed. Over the observed coordinates this is the plain
    /// fixed-point dynamics, so the (observed) energy never increases.
    /// </summary>
    MaskedFree,
}
