namespace Engram.Evaluation;

/// <summary>
/// The structural similarity index (Wang, Bovik, Sheikh and Simoncelli, 2004) as
/// <c>skimage.metrics.structural_similarity(reference, image, gaussian_weights=True, sigma=1.5,
/// use_sample_covariance=False, data_range=reference.max() − reference.min(), channel_axis=−1)</c>
/// computes it (checked against scikit-image 0.19.3 on float64 images).
/// </summary>
/// <remarks>
/// <para>Local means, variances and the covariance are weighted by an 11×11 Gaussian (σ = 1.5, truncated at 3.5σ:
/// radius ⌊3.5·1.5 + 0.5⌋ = 5), applied separably as <c>scipy.ndimage.gaussian_filter(mode="reflect")</c> does,
/// where "reflect" repeats the edge sample (d c b a | a b c d | d c b a). With C1 = (0.01·R)² and C2 = (0.03·R)²,
/// SSIM = (2μxμy + C1)(2σxy + C2) / ((μx² + μy² + C1)(σx² + σy² + C2)) per pixel, averaged over the pixels at least
/// 5 from every border (scikit-image crops the filter radius to avoid edge effects). Colour images are scored
/// channel by channel and the channel scores averaged.</para>
/// <para>R, the data range, is max − min of the whole reference (all channels), so the score is not symmetric in
/// its arguments. A constant reference has R = 0, where scikit-image divides 0 by 0 (NaN) or returns rounding
/// noise; here it is an <see cref="ArgumentException"/>. Images must be at least 11×11, the window size:
/// scikit-image refuses smaller ones too (its message says 7×7, the size of its non-Gaussian default window).</para>
/// <para>Computed in double. scikit-image filters in the input's precision: on float32 arrays its value moved by up
/// to 7.5·10⁻⁵ on the test fixtures (most where the data range is small), so the reference values come from the same
/// pixels cast to float64, which this agrees with to about 10⁻¹².</para>
/// </remarks>
public static class Ssim
{
    /// <summary>The smallest height and width accepted: the Gaussian window's size.</summary>
    public const int MinimumSize = (2 * Radius) + 1;

    private const int Radius = 5;
    private const double Sigma = 1.5;
    private const double K1 = 0.01;
    private const double K2 = 0.03;

    private static readonly double[] s_kernel = GaussianKernel();

    /// <summary>
    /// SSIM of <paramref name="image"/> against <paramref name="reference"/>, both
    /// <paramref name="height"/>×<paramref name="width"/>×<paramref name="channels"/>, row-major with channels
    /// interleaved (HWC).
    /// </summary>
    public static double Compute(ReadOnlySpan<float> reference, ReadOnlySpan<float> image, int height, int width, int channels = 1)
    {
        ValidateShape(height, width, channels);
        int size = height * width * channels;
        if (reference.Length != size || image.Length != size)
        {
            throw new ArgumentException(
                $"SSIM needs two images of {height}×{width}×{channels} = {size} values; got {reference.Length} (reference) and {image.Length} (image).",
                reference.Length != size ? nameof(reference) : nameof(image));
        }

        return ComputeValidated(reference, image, height, width, channels, DataRange(reference, image, 0));
    }

    /// <summary>
    /// The mean SSIM over <paramref name="count"/> pairs of images stored back to back, each
    /// <paramref name="height"/>×<paramref name="width"/>×<paramref name="channels"/> (HWC). Images are scored in
    /// parallel and the scores summed in order, so the result does not depend on scheduling.
    /// </summary>
    public static double Mean(ReadOnlySpan<float> references, ReadOnlySpan<float> images, int count, int height, int width, int channels = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ValidateShape(height, width, channels);
        int size = height * width * channels;
        long expected = (long)count * size;
        if (references.Length != expected || images.Length != expected)
        {
            throw new ArgumentException(
                $"SSIM over {count} images of {height}×{width}×{channels} needs {expected} values each; got {references.Length} (references) and {images.Length} (images).",
                references.Length != expected ? nameof(references) : nameof(images));
        }

        // Check every pair first, in order, so a bad batch fails with the first bad pair's ArgumentException
        // rather than an AggregateException from whichever thread met one.
        var ranges = new double[count];
        for (int i = 0; i < count; i++)
        {
            ranges[i] = DataRange(references.Slice(i * size, size), images.Slice(i * size, size), i);
        }

        // Spans cannot enter the parallel body; copies of a batch of small images are cheap next to the filtering.
        float[] referenceArray = references.ToArray(), imageArray = images.ToArray();
        var scores = new double[count];
        Parallel.For(0, count, i =>
        {
            scores[i] = ComputeValidated(
                referenceArray.AsSpan(i * size, size), imageArray.AsSpan(i * size, size), height, width, channels, ranges[i]);
        });

        double sum = 0;
        foreach (double score in scores)
        {
            sum += score;
        }

        return sum / count;
    }

    /// <summary>max − min of the reference, after checking both images are finite and the reference is not constant.</summary>
    private static double DataRange(ReadOnlySpan<float> reference, ReadOnlySpan<float> image, int index)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        for (int i = 0; i < reference.Length; i++)
        {
            float r = reference[i], x = image[i];
            if (!float.IsFinite(r) || !float.IsFinite(x))
            {
                throw new ArgumentException($"SSIM needs finite pixels; image pair {index} holds {(float.IsFinite(r) ? x : r)} at index {i} of the {(float.IsFinite(r) ? "image" : "reference")}.");
            }

            min = Math.Min(min, r);
            max = Math.Max(max, r);
        }

        double range = max - min;
        if (range == 0)
        {
            throw new ArgumentException(
                $"SSIM takes its data range from the reference, but reference {index} is constant ({min}): the range is 0 and SSIM is undefined (0/0).");
        }

        return range;
    }

    private static double ComputeValidated(ReadOnlySpan<float> reference, ReadOnlySpan<float> image, int height, int width, int channels, double range)
    {
        double c1 = K1 * range * (K1 * range), c2 = K2 * range * (K2 * range);
        int pixels = height * width;
        var x1 = new double[pixels];
        var y1 = new double[pixels];
        var planes = new double[5][];
        for (int p = 0; p < planes.Length; p++)
        {
            planes[p] = new double[pixels];
        }

        var scratch = new double[pixels];
        var line = new double[Math.Max(height, width)];
        double total = 0;
        for (int c = 0; c < channels; c++)
        {
            for (int i = 0; i < pixels; i++)
            {
                x1[i] = reference[(i * channels) + c];
                y1[i] = image[(i * channels) + c];
            }

            // μx, μy, E[x²], E[y²], E[xy] under the Gaussian window.
            for (int i = 0; i < pixels; i++)
            {
                planes[0][i] = x1[i];
                planes[1][i] = y1[i];
                planes[2][i] = x1[i] * x1[i];
                planes[3][i] = y1[i] * y1[i];
                planes[4][i] = x1[i] * y1[i];
            }

            foreach (double[] plane in planes)
            {
                GaussianFilter(plane, scratch, line, height, width);
            }

            double sum = 0;
            for (int r = Radius; r < height - Radius; r++)
            {
                for (int col = Radius; col < width - Radius; col++)
                {
                    int i = (r * width) + col;
                    double ux = planes[0][i], uy = planes[1][i];
                    double vx = planes[2][i] - (ux * ux);
                    double vy = planes[3][i] - (uy * uy);
                    double vxy = planes[4][i] - (ux * uy);
                    double a1 = (2 * ux * uy) + c1, a2 = (2 * vxy) + c2;
                    double b1 = (ux * ux) + (uy * uy) + c1, b2 = vx + vy + c2;
                    sum += a1 * a2 / (b1 * b2);
                }
            }

            total += sum / ((height - (2 * Radius)) * (width - (2 * Radius)));
        }

        return total / channels;
    }

    /// <summary>Filters <paramref name="plane"/> in place: along columns (axis 0), then along rows (axis 1), as scipy does.</summary>
    private static void GaussianFilter(double[] plane, double[] scratch, double[] line, int height, int width)
    {
        for (int col = 0; col < width; col++)
        {
            for (int r = 0; r < height; r++)
            {
                line[r] = plane[(r * width) + col];
            }

            for (int r = 0; r < height; r++)
            {
                scratch[(r * width) + col] = Correlate(line, height, r);
            }
        }

        for (int r = 0; r < height; r++)
        {
            Array.Copy(scratch, r * width, line, 0, width);
            for (int col = 0; col < width; col++)
            {
                plane[(r * width) + col] = Correlate(line, width, col);
            }
        }
    }

    private static double Correlate(double[] line, int length, int centre)
    {
        double sum = 0;
        for (int k = -Radius; k <= Radius; k++)
        {
            sum += s_kernel[k + Radius] * line[Reflect(centre + k, length)];
        }

        return sum;
    }

    /// <summary>scipy's "reflect" (half-sample symmetric) index into [0, n): the pattern repeats with period 2n.</summary>
    private static int Reflect(int i, int n)
    {
        int period = 2 * n;
        i %= period;
        if (i < 0)
        {
            i += period;
        }

        return i < n ? i : period - 1 - i;
    }

    /// <summary>scipy's _gaussian_kernel1d: exp(−x²/2σ²) for x = −r … r, normalised to sum 1.</summary>
    private static double[] GaussianKernel()
    {
        var kernel = new double[(2 * Radius) + 1];
        double sum = 0;
        for (int x = -Radius; x <= Radius; x++)
        {
            kernel[x + Radius] = Math.Exp(-0.5 / (Sigma * Sigma) * x * x);
            sum += kernel[x + Radius];
        }

        for (int i = 0; i < kernel.Length; i++)
        {
            kernel[i] /= sum;
        }

        return kernel;
    }

    private static void ValidateShape(int height, int width, int channels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        if (height < MinimumSize || width < MinimumSize)
        {
            throw new ArgumentException(
                $"SSIM's Gaussian window is {MinimumSize}×{MinimumSize}, so images must be at least that large; got {height}×{width}.");
        }

        if ((long)height * width * channels > Array.MaxLength)
        {
            throw new ArgumentException($"An image of {height}×{width}×{channels} values is larger than an array holds.");
        }
    }
}
