namespace Engram.Memory;

/// <summary>The stored pattern nearest a state in Euclidean distance, and that distance.</summary>
public readonly record struct NearestPattern(int Index, double Distance);
