using Engram.Data.Images;

namespace Engram.Data.Datasets;

/// <summary>A dataset's images as one tensor of rows, prepared for an encoder.</summary>
public static class DatasetImages
{
    /// <summary>
    /// Every item's image through <see cref="ImageOps.Prepare"/> (size×size, grey or RGB) as rows
    /// [N, size·size·channels], in the dataset's order, decoded in parallel.
    /// </summary>
    public static Tensor Load(IReadOnlyList<DatasetItem> items, int size, bool grey, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        int length = size * size * (grey ? 1 : 3);
        var data = new float[items.Count * length];
        int done = 0;
        Parallel.For(0, items.Count, i =>
        {
            float[] pixels = ImageOps.Prepare(items[i].Image, size, grey);
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
