using Engram.Data.Images;

namespace Engram.Data.Datasets;

/// <summary>A dataset's images as one tensor of rows, prepared for an encoder.</summary>
public static class DatasetImages
{
    /// <summary>
    /// How large an item's image is decoded for a size×size encoder: a longer side of 8 × size. Prepare's area
    /// resize then shrinks it by 8 or more, so the two averagings differ from one of the full-size image by
    /// float rounding and edge weights only; an image already that small is decoded whole and is unchanged.
    /// </summary>
    public const int DecodeSideFactor = 8;

    /// <summary>
    /// How a cue's PNG (a file or an upload) is decoded for a size×size encoder: shrunk while decoding as the
    /// stored items' images are (<see cref="DecodeSideFactor"/>), so a large photograph as a cue costs the memory
    /// of a small image and prepares to the same pixels as the same file stored.
    /// </summary>
    public static Png.PngDecodeOptions CueDecodeOptions(int size)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return new Png.PngDecodeOptions { MaxSide = DecodeSideFactor * size };
    }

    /// <summary>
    /// Every item's image through <see cref="ImageOps.Prepare"/> (size×size, grey or RGB) as rows
    /// [N, size·size·channels], in the dataset's order, decoded in parallel. Images are asked for at
    /// <see cref="DecodeSideFactor"/> × size at most (<see cref="DatasetItem.ImageAtMost"/>), so a folder of large
    /// photographs costs the memory of small images. An image that does not decode fails as it would alone: its own
    /// exception (a <see cref="DataFormatException"/> naming the file), the first such item's when several fail.
    /// </summary>
    public static Tensor Load(IReadOnlyList<DatasetItem> items, int size, bool grey, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int length = size * size * (grey ? 1 : 3);
        var data = new float[items.Count * length];
        int done = 0;
        ParallelItems.For(items.Count, i =>
        {
            float[] pixels = ImageOps.Prepare(items[i].ImageAtMost(DecodeSideFactor * size), size, grey);
            pixels.CopyTo(data.AsSpan(i * length, length));
            int finished = Interlocked.Increment(ref done);
            if (finished % 256 == 0 || finished == items.Count)
            {
                progress?.Report(finished);
            }
        });
        return Tensor.FromArray(data, items.Count, length);
    }
}
