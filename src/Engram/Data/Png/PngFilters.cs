namespace Engram.Data.Png;

/// <summary>The five PNG row filters (None, Sub, Up, Average, Paeth), undone in place as rows are decoded (ImageSharp applies them when Engram writes a PNG).</summary>
internal static class PngFilters
{
    /// <summary>Reverses filter <paramref name="type"/> on <paramref name="row"/>; <paramref name="previous"/> is the unfiltered row above (zeros for the first).</summary>
    public static bool Unfilter(byte type, Span<byte> row, ReadOnlySpan<byte> previous, int bytesPerPixel)
    {
        switch (type)
        {
            case 0:
                return true;
            case 1:
                for (int i = bytesPerPixel; i < row.Length; i++)
                {
                    row[i] += row[i - bytesPerPixel];
                }

                return true;
            case 2:
                for (int i = 0; i < row.Length; i++)
                {
                    row[i] += previous[i];
                }

                return true;
            case 3:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
                    row[i] += (byte)((left + previous[i]) >> 1);
                }

                return true;
            case 4:
                for (int i = 0; i < row.Length; i++)
                {
                    int left = i >= bytesPerPixel ? row[i - bytesPerPixel] : 0;
                    int upLeft = i >= bytesPerPixel ? previous[i - bytesPerPixel] : 0;
                    row[i] += Paeth(left, previous[i], upLeft);
                }

                return true;
            default:
                return false;
        }
    }

    private static byte Paeth(int a, int b, int c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return (byte)(pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
    }
}
