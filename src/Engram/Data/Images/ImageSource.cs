using Engram.Data.Datasets;
using Engram.Encoders;

namespace Engram.Data.Images;

/// <summary>
/// The images of N items, read a batch of rows at a time: what a memory's image encoder is fed, so that building a
/// memory of ten thousand photos holds only their codes and one batch of pixels (at 224×224 RGB, 10,000 images as one
/// tensor would take 6 GB), never every image at once. A source can also hold images already encoded
/// (<see cref="FromCodes"/>, as <see cref="DatasetImages.EncodeEach"/> makes them): only their codes are kept, and a memory
/// built from it does not encode them again.
/// </summary>
public sealed class ImageSource
{
    private readonly Func<int, int, Tensor> _read;

    private ImageSource(int count, int length, Func<int, int, Tensor> read, Tensor? codes = null, IImageCodec? encodedBy = null)
    {
        Count = count;
        Length = length;
        _read = read;
        Codes = codes;
        EncodedBy = encodedBy;
    }

    /// <summary>The images' codes [N, code length] when the source holds them encoded (<see cref="FromCodes"/>), else null.</summary>
    public Tensor? Codes { get; }

    /// <summary>The codec that made <see cref="Codes"/>; null for a source of pixels.</summary>
    public IImageCodec? EncodedBy { get; }

    /// <summary>Items, one image each.</summary>
    public int Count { get; }

    /// <summary>Samples per image (channels × height × width).</summary>
    public int Length { get; }

    /// <summary>Images already in memory, as <see cref="FromTensor"/>; null stays null.</summary>
    public static implicit operator ImageSource?(Tensor? images) => images is null ? null : FromTensor(images);

    /// <summary>Images already in memory: [N, length].</summary>
    public static ImageSource FromTensor(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Rank != 2)
        {
            throw new ArgumentException($"Images must be [N, length]; got {images}.", nameof(images));
        }

        return new ImageSource(images.RowCount, images.Shape[1], (start, count) => images.Rows(start, count));
    }

    /// <summary>
    /// The images of <paramref name="items"/>, decoded when their batch is read, as <see cref="DatasetImages.Load"/> prepares
    /// them (resized to <paramref name="size"/>, grey or RGB); <paramref name="decoded"/> hears how many have been decoded so far.
    /// </summary>
    public static ImageSource FromItems(IReadOnlyList<DatasetItem> items, int size, bool grey, IProgress<int>? decoded = null)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        return new ImageSource(items.Count, size * size * (grey ? 1 : 3), (start, count) =>
        {
            var batch = new DatasetItem[count];
            for (int i = 0; i < count; i++)
            {
                batch[i] = items[start + i];
            }

            Tensor images = DatasetImages.Load(batch, size, grey);
            decoded?.Report(start + count);
            return images;
        });
    }

    /// <summary>
    /// Images already encoded by <paramref name="codec"/>: their <paramref name="codes"/> [N, codec.CodeLength]. A memory
    /// built with that codec takes the codes as they are; their pixels are not held, so <see cref="Read"/> refuses.
    /// </summary>
    public static ImageSource FromCodes(Tensor codes, IImageCodec codec)
    {
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(codec);
        if (codes.Rank != 2 || codes.Shape[1] != codec.CodeLength)
        {
            throw new ArgumentException($"The codes of {codec.Name} must be [N, {codec.CodeLength}]; got {codes}.", nameof(codes));
        }

        return new ImageSource(codes.RowCount, codec.Shape.Length, (_, _) => throw new InvalidOperationException(
            $"These {codes.RowCount:N0} images are held as their {codec.Name} codes, not as pixels: read the items' images again to see them."), codes, codec);
    }

    /// <summary>Images <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1 as a source of their own (pixels or codes, as this one holds them).</summary>
    public ImageSource Slice(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count);
        return Codes is { } codes
            ? FromCodes(codes.Rows(start, count), EncodedBy!)
            : new ImageSource(count, Length, (first, rows) => _read(start + first, rows));
    }

    /// <summary>Images <paramref name="start"/> to <paramref name="start"/> + <paramref name="count"/> − 1, as [count, length].</summary>
    public Tensor Read(int start, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(start);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(start + count, Count);
        return _read(start, count);
    }
}
