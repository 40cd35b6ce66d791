namespace Engram.Data.Safetensors;

/// <summary>The element types of the safetensors format, spelled as in its header.</summary>
public enum SafetensorsDtype
{
    /// <summary>32-bit IEEE float.</summary>
    F32,
    /// <summary>16-bit IEEE half-precision float.</summary>
    F16,
    /// <summary>bfloat16: the top 16 bits of a 32-bit float.</summary>
    BF16,
    /// <summary>64-bit IEEE float.</summary>
    F64,
    /// <summary>64-bit signed integer.</summary>
    I64,
    /// <summary>32-bit signed integer.</summary>
    I32,
    /// <summary>16-bit signed integer.</summary>
    I16,
    /// <summary>8-bit signed integer.</summary>
    I8,
    /// <summary>8-bit unsigned integer.</summary>
    U8,
    /// <summary>One byte per boolean, 0 or 1.</summary>
    BOOL,
}

internal static class SafetensorsDtypes
{
    public static int Size(SafetensorsDtype dtype) => dtype switch
    {
        SafetensorsDtype.F64 or SafetensorsDtype.I64 => 8,
        SafetensorsDtype.F32 or SafetensorsDtype.I32 => 4,
        SafetensorsDtype.F16 or SafetensorsDtype.BF16 or SafetensorsDtype.I16 => 2,
        _ => 1,
    };

    public static bool TryParse(string? text, out SafetensorsDtype dtype) =>
        Enum.TryParse(text, ignoreCase: false, out dtype) && Enum.IsDefined(dtype) && text == dtype.ToString();
}
