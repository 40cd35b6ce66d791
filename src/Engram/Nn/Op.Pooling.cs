using System.Numerics;

namespace Engram.Nn;

public static partial class Op
{
    /// <summary>Max pooling of <c>[N, C, H, W]</c> over k×k windows with the given stride (floor mode, no padding).</summary>
    public static Variable<T> MaxPool2d<T>(Variable<T> x, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (planes, h, w, outH, outW) = PoolShape(x, kernel, stride, "MaxPool2d");
        var value = new NdArray<T>(x.Value.Dim(0), x.Value.Dim(1), outH, outW);
        var argmax = new int[value.Length];
        T[] xs = x.Value.Data;
        for (int p = 0; p < planes; p++)
        {
            for (int oh = 0; oh < outH; oh++)
            {
                for (int ow = 0; ow < outW; ow++)
                {
                    int best = (p * h * w) + (oh * stride * w) + (ow * stride);
                    for (int i = 0; i < kernel; i++)
                    {
                        for (int j = 0; j < kernel; j++)
                        {
                            int at = (p * h * w) + (((oh * stride) + i) * w) + (ow * stride) + j;
                            if (xs[at] > xs[best])
                            {
                                best = at;
                            }
                        }
                    }

                    int e = (((p * outH) + oh) * outW) + ow;
                    argmax[e] = best;
                    value.Data[e] = xs[best];
                }
            }
        }

        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int e = 0; e < argmax.Length; e++)
            {
                gx.Data[argmax[e]] += g.Data[e];
            }

            x.Accumulate(gx);
        });
    }

    /// <summary>Average pooling of <c>[N, C, H, W]</c> over k×k windows with the given stride (floor mode, no padding).</summary>
    public static Variable<T> AvgPool2d<T>(Variable<T> x, int kernel, int stride)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (planes, h, w, outH, outW) = PoolShape(x, kernel, stride, "AvgPool2d");
        var value = new NdArray<T>(x.Value.Dim(0), x.Value.Dim(1), outH, outW);
        T scale = T.One / T.CreateChecked(kernel * kernel);
        T[] xs = x.Value.Data;
        ForEachWindow(planes, h, w, outH, outW, kernel, stride, (e, at) => value.Data[e] += xs[at] * scale);
        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(x.Value.ShapeArray);
            ForEachWindow(planes, h, w, outH, outW, kernel, stride, (e, at) => gx.Data[at] += g.Data[e] * scale);
            x.Accumulate(gx);
        });
    }

    /// <summary>Nearest-neighbour upsampling of <c>[N, C, H, W]</c> by an integer factor.</summary>
    public static Variable<T> UpsampleNearest<T>(Variable<T> x, int scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireImageBatch(x, "UpsampleNearest");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        int n = x.Value.Dim(0), c = x.Value.Dim(1), h = x.Value.Dim(2), w = x.Value.Dim(3);
        int outH = h * scale, outW = w * scale;
        var value = new NdArray<T>(n, c, outH, outW);
        for (int p = 0; p < n * c; p++)
        {
            for (int i = 0; i < outH; i++)
            {
                for (int j = 0; j < outW; j++)
                {
                    value.Data[(((p * outH) + i) * outW) + j] = x.Value.Data[(((p * h) + (i / scale)) * w) + (j / scale)];
                }
            }
        }

        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int p = 0; p < n * c; p++)
            {
                for (int i = 0; i < outH; i++)
                {
                    for (int j = 0; j < outW; j++)
                    {
                        gx.Data[(((p * h) + (i / scale)) * w) + (j / scale)] += g.Data[(((p * outH) + i) * outW) + j];
                    }
                }
            }

            x.Accumulate(gx);
        });
    }

    /// <summary>
    /// Bilinear upsampling of <c>[N, C, H, W]</c> by an integer factor with PyTorch's
    /// <c>align_corners=False</c>: output pixel centres map to source coordinate (i + ½)/s − ½, clamped at 0.
    /// </summary>
    public static Variable<T> UpsampleBilinear<T>(Variable<T> x, int scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireImageBatch(x, "UpsampleBilinear");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(scale);
        int n = x.Value.Dim(0), c = x.Value.Dim(1), h = x.Value.Dim(2), w = x.Value.Dim(3);
        int outH = h * scale, outW = w * scale;
        var rows = BilinearTaps<T>(h, outH, scale);
        var cols = BilinearTaps<T>(w, outW, scale);
        var value = new NdArray<T>(n, c, outH, outW);
        for (int p = 0; p < n * c; p++)
        {
            int plane = p * h * w;
            for (int i = 0; i < outH; i++)
            {
                var (r0, r1, wr) = rows[i];
                for (int j = 0; j < outW; j++)
                {
                    var (c0, c1, wc) = cols[j];
                    T top = (x.Value.Data[plane + (r0 * w) + c0] * (T.One - wc)) + (x.Value.Data[plane + (r0 * w) + c1] * wc);
                    T bottom = (x.Value.Data[plane + (r1 * w) + c0] * (T.One - wc)) + (x.Value.Data[plane + (r1 * w) + c1] * wc);
                    value.Data[(((p * outH) + i) * outW) + j] = (top * (T.One - wr)) + (bottom * wr);
                }
            }
        }

        return Variable<T>.Record(value, [x], g =>
        {
            var gx = new NdArray<T>(x.Value.ShapeArray);
            for (int p = 0; p < n * c; p++)
            {
                int plane = p * h * w;
                for (int i = 0; i < outH; i++)
                {
                    var (r0, r1, wr) = rows[i];
                    for (int j = 0; j < outW; j++)
                    {
                        var (c0, c1, wc) = cols[j];
                        T gv = g.Data[(((p * outH) + i) * outW) + j];
                        gx.Data[plane + (r0 * w) + c0] += gv * (T.One - wr) * (T.One - wc);
                        gx.Data[plane + (r0 * w) + c1] += gv * (T.One - wr) * wc;
                        gx.Data[plane + (r1 * w) + c0] += gv * wr * (T.One - wc);
                        gx.Data[plane + (r1 * w) + c1] += gv * wr * wc;
                    }
                }
            }

            x.Accumulate(gx);
        });
    }

    private static (int I0, int I1, T Weight)[] BilinearTaps<T>(int size, int outSize, int scale)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var taps = new (int, int, T)[outSize];
        for (int i = 0; i < outSize; i++)
        {
            double source = Math.Max(0, ((i + 0.5) / scale) - 0.5);
            int i0 = Math.Min((int)source, size - 1);
            int i1 = i0 < size - 1 ? i0 + 1 : i0;
            taps[i] = (i0, i1, T.CreateChecked(source - i0));
        }

        return taps;
    }

    private static void ForEachWindow(int planes, int h, int w, int outH, int outW, int kernel, int stride, Action<int, int> visit)
    {
        for (int p = 0; p < planes; p++)
        {
            for (int oh = 0; oh < outH; oh++)
            {
                for (int ow = 0; ow < outW; ow++)
                {
                    int e = (((p * outH) + oh) * outW) + ow;
                    for (int i = 0; i < kernel; i++)
                    {
                        for (int j = 0; j < kernel; j++)
                        {
                            visit(e, (p * h * w) + (((oh * stride) + i) * w) + (ow * stride) + j);
                        }
                    }
                }
            }
        }
    }

    private static (int Planes, int H, int W, int OutH, int OutW) PoolShape<T>(Variable<T> x, int kernel, int stride, string op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        RequireImageBatch(x, op);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(kernel);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(stride);
        int h = x.Value.Dim(2), w = x.Value.Dim(3);
        if (h < kernel || w < kernel)
        {
            throw new ArgumentException($"{op}: input {Shapes.Format(x.Value.Shape)} is smaller than the {kernel}×{kernel} window.", nameof(x));
        }

        return (x.Value.Dim(0) * x.Value.Dim(1), h, w, ((h - kernel) / stride) + 1, ((w - kernel) / stride) + 1);
    }

    private static void RequireImageBatch<T>(Variable<T> x, string op)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (x.Value.Rank != 4)
        {
            throw new ArgumentException($"{op} needs [N, C, H, W]; got {Shapes.Format(x.Value.Shape)}.", nameof(x));
        }
    }
}
