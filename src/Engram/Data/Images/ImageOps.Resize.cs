using System.Diagnostics;
using System.Numerics.Tensors;

namespace Engram.Data.Images;

public static partial class ImageOps
{
    /// <summary>
    /// Resizes to <paramref name="width"/>×<paramref name="height"/>, each axis on its own (horizontal pass first):
    /// <list type="bullet">
    /// <item><b>shrinking</b> an axis averages areas: output pixel i covers the source interval
    /// [i·s, (i+1)·s), s = source / target, and each source pixel counts by the length of its overlap with that
    /// interval (fractional coverage), as in OpenCV's INTER_AREA. At integer factors this is PIL's BOX filter
    /// (plain block means).</item>
    /// <item><b>enlarging</b> an axis interpolates linearly between pixel centres: output pixel i samples the source
    /// at u = (i + ½)·s − ½ and clamps u to [0, source − 1] at the edges, as PIL's BILINEAR (and OpenCV's
    /// INTER_LINEAR) do when enlarging.</item>
    /// <item>an axis that keeps its size is copied.</item>
    /// </list>
    /// Images with alpha are resized premultiplied, as PIL does, so that the colour of transparent pixels does not
    /// bleed into their neighbours; a pixel whose alpha comes out 0 gets colour 0.
    /// </summary>
    public static Image Resize(Image image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var result = new Image(width, height, image.Layout);
        int channels = image.Channels;
        float[] source = image.HasAlpha ? Premultiplied(image) : image.Pixels;

        // Horizontal pass: every source row to `width` pixels.
        float[] wide = source;
        if (width != image.Width)
        {
            Tap[] taps = Taps(image.Width, width);
            wide = new float[image.Height * width * channels];
            for (int y = 0; y < image.Height; y++)
            {
                ResizeRow(source.AsSpan(y * image.Width * channels, image.Width * channels), wide.AsSpan(y * width * channels, width * channels), taps, channels);
            }
        }
        else if (ReferenceEquals(wide, image.Pixels))
        {
            wide = (float[])wide.Clone();
        }

        // Vertical pass: each output row is a weighted sum of whole rows of the horizontal result.
        int rowSamples = width * channels;
        if (height != image.Height)
        {
            Tap[] taps = Taps(image.Height, height);
            for (int y = 0; y < height; y++)
            {
                Span<float> dst = result.Row(y);
                Tap tap = taps[y];
                for (int k = 0; k < tap.Weights.Length; k++)
                {
                    TensorPrimitives.MultiplyAdd(wide.AsSpan((tap.Start + k) * rowSamples, rowSamples), tap.Weights[k], dst, dst);
                }
            }
        }
        else
        {
            wide.CopyTo(result.Pixels, 0);
        }

        if (image.HasAlpha)
        {
            Unpremultiply(result);
        }

        return result;
    }

    /// <summary>One row through the horizontal taps: <paramref name="dst"/> has taps.Length pixels.</summary>
    private static void ResizeRow(ReadOnlySpan<float> src, Span<float> dst, Tap[] taps, int channels)
    {
        for (int x = 0; x < taps.Length; x++)
        {
            Tap tap = taps[x];
            for (int c = 0; c < channels; c++)
            {
                float sum = 0f;
                for (int k = 0; k < tap.Weights.Length; k++)
                {
                    sum += tap.Weights[k] * src[((tap.Start + k) * channels) + c];
                }

                dst[(x * channels) + c] = sum;
            }
        }
    }

    private static void Premultiply(Span<float> samples, int channels)
    {
        int colours = channels - 1;
        for (int i = 0; i < samples.Length; i += channels)
        {
            float a = samples[i + colours];
            for (int c = 0; c < colours; c++)
            {
                samples[i + c] *= a;
            }
        }
    }

    /// <summary>
    /// <see cref="Resize"/> fed one source row at a time, in order, with the same arithmetic in the same order
    /// (its result is bit for bit the same): a decoder shrinks an image while it decodes it, holding one
    /// horizontally resized row and the output, never the full-size image.
    /// </summary>
    internal sealed class StreamingResize
    {
        private readonly int _sourceWidth;
        private readonly int _channels;
        private readonly bool _alpha;
        private readonly Tap[]? _columns;
        private readonly (int Row, float Weight)[][]? _rows;
        private readonly float[] _wide;
        private readonly Image _result;
        private int _next;

        public StreamingResize(int sourceWidth, int sourceHeight, int width, int height, PixelLayout layout)
        {
            _result = new Image(width, height, layout);
            _sourceWidth = sourceWidth;
            _channels = _result.Channels;
            _alpha = _result.HasAlpha;
            _columns = width != sourceWidth ? Taps(sourceWidth, width) : null;
            _wide = new float[width * _channels];
            if (height != sourceHeight)
            {
                // For each source row, the output rows it adds to and with what weight, in output order.
                var lists = new List<(int, float)>[sourceHeight];
                Tap[] taps = Taps(sourceHeight, height);
                for (int y = 0; y < height; y++)
                {
                    for (int k = 0; k < taps[y].Weights.Length; k++)
                    {
                        (lists[taps[y].Start + k] ??= []).Add((y, taps[y].Weights[k]));
                    }
                }

                _rows = lists.Select(l => l?.ToArray() ?? []).ToArray();
            }
        }

        /// <summary>About what the resize holds besides its output: the resized row and the taps.</summary>
        public static long BytesNeeded(int sourceWidth, int sourceHeight, int width, int height, PixelLayout layout) =>
            ((long)width * (int)layout * sizeof(float)) + ((long)sourceWidth * (int)layout * sizeof(float))
            + (64L * (width + height)) + (48L * sourceHeight);

        /// <summary>Adds source row <paramref name="y"/> (sourceWidth × channels samples, premultiplied here in place when there is alpha).</summary>
        public void AddRow(int y, float[] row)
        {
            if (y != _next)
            {
                throw new InvalidOperationException($"Rows must come in order: row {_next} was expected, not {y}.");
            }

            _next++;
            Span<float> source = row.AsSpan(0, _sourceWidth * _channels);
            if (_alpha)
            {
                Premultiply(source, _channels);
            }

            if (_columns is not null)
            {
                ResizeRow(source, _wide, _columns, _channels);
            }
            else
            {
                source.CopyTo(_wide);
            }

            if (_rows is null)
            {
                _wide.CopyTo(_result.Row(y));
                return;
            }

            foreach ((int r, float weight) in _rows[y])
            {
                Span<float> dst = _result.Row(r);
                TensorPrimitives.MultiplyAdd(_wide, weight, dst, dst);
            }
        }

        /// <summary>The resized image, once every source row has been added.</summary>
        public Image Finish()
        {
            if (_alpha)
            {
                Unpremultiply(_result);
            }

            return _result;
        }
    }

    /// <summary>The source pixels (from <see cref="Tap.Start"/>, consecutive) and weights of one output pixel.</summary>
    private readonly record struct Tap(int Start, float[] Weights);

    /// <summary>Area taps when shrinking, bilinear taps when enlarging (see <see cref="Resize"/>).</summary>
    private static Tap[] Taps(int source, int target)
    {
        Debug.Assert(source != target);
        var taps = new Tap[target];
        if (target < source)
        {
            // Work in units of 1/target of a source pixel so that every boundary is an integer: output pixel i covers
            // [i·source, (i+1)·source), source pixel j covers [j·target, (j+1)·target).
            for (int i = 0; i < target; i++)
            {
                long lo = (long)i * source, hi = lo + source;
                int first = (int)(lo / target), last = (int)((hi - 1) / target);
                var weights = new float[last - first + 1];
                for (int j = first; j <= last; j++)
                {
                    long overlap = Math.Min(hi, (long)(j + 1) * target) - Math.Max(lo, (long)j * target);
                    weights[j - first] = (float)((double)overlap / source);
                }

                taps[i] = new Tap(first, weights);
            }
        }
        else
        {
            for (int i = 0; i < target; i++)
            {
                double u = ((((2.0 * i) + 1) * source) - target) / (2.0 * target);
                int j = (int)Math.Floor(u);
                double frac = u - j;
                taps[i] = u <= 0 ? new Tap(0, [1f])
                    : j >= source - 1 ? new Tap(source - 1, [1f])
                    : frac == 0 ? new Tap(j, [1f])
                    : new Tap(j, [(float)(1 - frac), (float)frac]);
            }
        }

        return taps;
    }

    private static float[] Premultiplied(Image image)
    {
        float[] samples = (float[])image.Pixels.Clone();
        Premultiply(samples, image.Channels);
        return samples;
    }

    private static void Unpremultiply(Image image)
    {
        Span<float> samples = image.Pixels;
        int colours = image.Channels - 1;
        for (int i = 0; i < samples.Length; i += image.Channels)
        {
            float a = samples[i + colours];
            for (int c = 0; c < colours; c++)
            {
                // Rounding can leave c·a / a a hair above 1.
                samples[i + c] = a > 0f ? MathF.Min(1f, samples[i + c] / a) : 0f;
            }
        }
    }
}
