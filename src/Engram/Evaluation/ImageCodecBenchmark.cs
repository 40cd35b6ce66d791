using System.Diagnostics;
using Engram.Data.Images;
using Engram.Data.Png;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SharpImage = SixLabors.ImageSharp.Image;

namespace Engram.Evaluation;

/// <summary>
/// Engram's hand-written PNG decoder and area resize against SixLabors.ImageSharp doing the same work on the
/// same files, timed in one run: the median of several passes over the whole set for each, and ours / ImageSharp's.
/// A decode by ImageSharp includes turning its 8-bit frame into Engram's float <see cref="Data.Images.Image"/>, as
/// <see cref="ImageFiles"/> does; one row times its decode alone. (Engram's PNG encoder was measured here too, and
/// replaced by ImageSharp's: 0.98× its time on 64×64 emoji, 1.60× on large clip art.)
/// </summary>
public static class ImageCodecBenchmark
{
    /// <summary>
    /// Times each task over every PNG in <paramref name="files"/>, <paramref name="passes"/> passes each (the median is
    /// kept). The shrink and resize tasks go to a longest side of <paramref name="maxSide"/>.
    /// </summary>
    public static ImageCodecBenchmarkResult Run(IReadOnlyList<string> files, int maxSide = 32, int passes = 7)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSide);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(passes);
        if (files.Count == 0)
        {
            throw new ArgumentException("No PNG files to decode.", nameof(files));
        }

        byte[][] pngs = files.Select(File.ReadAllBytes).ToArray();
        var full = new ImageDecodeOptions { MaxPixels = long.MaxValue / 64, MaxDecodedBytes = long.MaxValue / 64 };
        var small = full with { MaxSide = maxSide };
        Data.Images.Image[] images = pngs.Select((b, i) => PngDecoder.Decode(b, files[i], full.ForPng()).Image).ToArray();
        (int Width, int Height)[] targets = images.Select(i => PngDecoder.OutputSize(i.Width, i.Height, maxSide)).ToArray();
        long pixels = images.Sum(i => (long)i.Width * i.Height);
        var rows = new List<ImageCodecTiming>
        {
            Time($"decode PNG, full size", passes,
                () => Each(pngs, b => PngDecoder.Decode(b, "bench", full.ForPng()).Image.Width),
                () => Each(pngs, b => ImageSharpCodec.DecodeAny(b, "bench", full).Width)),
            Time($"decode PNG, longest side {maxSide}", passes,
                () => Each(pngs, b => PngDecoder.Decode(b, "bench", small.ForPng()).Image.Width),
                () => Each(pngs, b => ImageSharpCodec.DecodeAny(b, "bench", small).Width)),
            Time("decode PNG, ImageSharp to its own Rgba32 frame only", passes,
                () => Each(pngs, b => PngDecoder.Decode(b, "bench", full.ForPng()).Image.Width),
                () => Each(pngs, b =>
                {
                    using Image<Rgba32> frame = SharpImage.Load<Rgba32>(ImageSharpCodec.Configuration, b);
                    return frame.Width;
                })),
        };

        double worst = 0;
        for (int i = 0; i < images.Length; i++)
        {
            worst = Math.Max(worst, MaxDifference(ImageOps.Resize(images[i], targets[i].Width, targets[i].Height), ResizeWithImageSharp(images[i], targets[i].Width, targets[i].Height)));
        }

        rows.Add(Time($"area resize to longest side {maxSide} (largest difference {worst:G3})", passes,
            () => Each(images, (i, k) => ImageOps.Resize(i, targets[k].Width, targets[k].Height).Width),
            () => Each(images, (i, k) => ResizeWithImageSharp(i, targets[k].Width, targets[k].Height).Width)));
        return new ImageCodecBenchmarkResult(files.Count, pixels, passes, rows);
    }

    /// <summary>An image through ImageSharp's box (area) resampler, in float RGBA: what Engram would use in place of <see cref="ImageOps.Resize"/>.</summary>
    internal static Data.Images.Image ResizeWithImageSharp(Data.Images.Image image, int width, int height)
    {
        int channels = image.Channels;
        using var frame = new Image<RgbaVector>(ImageSharpCodec.Configuration, image.Width, image.Height);
        frame.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<RgbaVector> row = rows.GetRowSpan(y);
                ReadOnlySpan<float> src = image.Row(y);
                for (int x = 0; x < row.Length; x++)
                {
                    ReadOnlySpan<float> p = src.Slice(x * channels, channels);
                    row[x] = channels switch
                    {
                        1 => new RgbaVector(p[0], p[0], p[0]),
                        2 => new RgbaVector(p[0], p[0], p[0], p[1]),
                        3 => new RgbaVector(p[0], p[1], p[2]),
                        _ => new RgbaVector(p[0], p[1], p[2], p[3]),
                    };
                }
            }
        });
        frame.Mutate(c => c.Resize(width, height, KnownResamplers.Box));
        var result = new Data.Images.Image(width, height, image.Layout);
        frame.ProcessPixelRows(rows =>
        {
            for (int y = 0; y < rows.Height; y++)
            {
                Span<RgbaVector> row = rows.GetRowSpan(y);
                Span<float> dst = result.Row(y);
                for (int x = 0; x < row.Length; x++)
                {
                    RgbaVector p = row[x];
                    Span<float> d = dst.Slice(x * channels, channels);
                    switch (channels)
                    {
                        case 1:
                            d[0] = p.R;
                            break;
                        case 2:
                            d[0] = p.R;
                            d[1] = p.A;
                            break;
                        default:
                            d[0] = p.R;
                            d[1] = p.G;
                            d[2] = p.B;
                            if (channels == 4)
                            {
                                d[3] = p.A;
                            }

                            break;
                    }
                }
            }
        });
        return result;
    }


    // Colours compared premultiplied by alpha: the colour of a fully transparent pixel is undefined (ours 0, ImageSharp's may be NaN).
    private static double MaxDifference(Data.Images.Image a, Data.Images.Image b)
    {
        double worst = 0;
        int channels = a.Channels;
        for (int p = 0; p < a.Pixels.Length; p += channels)
        {
            float alphaA = a.HasAlpha ? a.Pixels[p + channels - 1] : 1f, alphaB = b.HasAlpha ? b.Pixels[p + channels - 1] : 1f;
            for (int c = 0; c < channels; c++)
            {
                bool alpha = a.HasAlpha && c == channels - 1;
                double x = alpha ? alphaA : a.Pixels[p + c] * alphaA, y = alpha ? alphaB : b.Pixels[p + c] * alphaB;
                worst = Math.Max(worst, Math.Abs((double.IsNaN(x) ? 0 : x) - (double.IsNaN(y) ? 0 : y)));
            }
        }

        return worst;
    }

    private static long Each<T>(T[] items, Func<T, int> work) => Each(items, (item, _) => work(item));

    private static long Each<T>(T[] items, Func<T, int, int> work)
    {
        long sum = 0;
        for (int i = 0; i < items.Length; i++)
        {
            sum += work(items[i], i);
        }

        return sum;
    }

    private static ImageCodecTiming Time(string task, int passes, Func<long> ours, Func<long> theirs)
    {
        // One untimed pass each first: JIT and ImageSharp's pools warm.
        long check = ours() + theirs();
        var oursTimes = new double[passes];
        var theirTimes = new double[passes];
        for (int p = 0; p < passes; p++)
        {
            long start = Stopwatch.GetTimestamp();
            check += ours();
            oursTimes[p] = Stopwatch.GetElapsedTime(start).TotalSeconds;
            start = Stopwatch.GetTimestamp();
            check += theirs();
            theirTimes[p] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        GC.KeepAlive(check);
        double a = Median(oursTimes), b = Median(theirTimes);
        return new ImageCodecTiming(task, a, b, a / b);
    }

    private static double Median(double[] values)
    {
        double[] sorted = values.Order().ToArray();
        int n = sorted.Length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
    }
}

/// <summary>One task: the median seconds of Engram's code and of ImageSharp's over the whole set, and ours / ImageSharp's (below 1: ours is faster).</summary>
public sealed record ImageCodecTiming(string Task, double OursSeconds, double ImageSharpSeconds, double Ratio);

/// <summary>Files, their pixels, passes per timing and every task's timing.</summary>
public sealed record ImageCodecBenchmarkResult(int Files, long Pixels, int Passes, IReadOnlyList<ImageCodecTiming> Timings);
