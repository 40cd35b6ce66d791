using System.Diagnostics;
using System.Numerics;

namespace Engram.Encoders.Audio;

/// <summary>
/// The discrete Fourier transform X[k] = Σₙ x[n]·e^(−2πikn/N) (numpy's and torch's sign, no scaling)
/// for power-of-two lengths: iterative radix-2 decimation in time, in double precision.
/// </summary>
internal static class Fft
{
    /// <summary>Transforms <paramref name="data"/> in place.</summary>
    public static void Transform(Span<Complex> data)
    {
        int n = data.Length;
        RequirePowerOfTwo(n, nameof(data));
        if (n == 1)
        {
            return;
        }

        // Bit-reversal permutation, so the butterflies below read and write in place.
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j |= bit;
            if (i < j)
            {
                (data[i], data[j]) = (data[j], data[i]);
            }
        }

        for (int size = 2; size <= n; size <<= 1)
        {
            int half = size >> 1;
            for (int k = 0; k < half; k++)
            {
                // Each twiddle from sin/cos directly rather than by repeated multiplication, which drifts.
                double angle = -2 * Math.PI * k / size;
                var w = new Complex(Math.Cos(angle), Math.Sin(angle));
                for (int start = 0; start < n; start += size)
                {
                    Complex even = data[start + k];
                    Complex odd = w * data[start + k + half];
                    data[start + k] = even + odd;
                    data[start + k + half] = even - odd;
                }
            }
        }
    }

    /// <summary>|X[k]|² for k = 0 … n/2 of a real signal of power-of-two length n.</summary>
    public static double[] PowerSpectrum(ReadOnlySpan<double> signal)
    {
        var power = new double[(signal.Length / 2) + 1];
        var buffer = new Complex[signal.Length];
        PowerSpectrum(signal, buffer, power);
        return power;
    }

    /// <summary>
    /// |X[k]|² for k = 0 … n/2 into <paramref name="destination"/>, using <paramref name="scratch"/>
    /// (length n) so a caller framing many windows allocates once.
    /// </summary>
    public static void PowerSpectrum(ReadOnlySpan<double> signal, Span<Complex> scratch, Span<double> destination)
    {
        RequirePowerOfTwo(signal.Length, nameof(signal));
        Debug.Assert(scratch.Length == signal.Length && destination.Length == (signal.Length / 2) + 1);
        for (int i = 0; i < signal.Length; i++)
        {
            scratch[i] = new Complex(signal[i], 0);
        }

        Transform(scratch);
        for (int k = 0; k < destination.Length; k++)
        {
            Complex x = scratch[k];
            destination[k] = (x.Real * x.Real) + (x.Imaginary * x.Imaginary);
        }
    }

    public static bool IsPowerOfTwo(int n) => n > 0 && (n & (n - 1)) == 0;

    private static void RequirePowerOfTwo(int n, string paramName)
    {
        if (!IsPowerOfTwo(n))
        {
            throw new ArgumentException($"The FFT needs a power-of-two length; got {n}.", paramName);
        }
    }
}
