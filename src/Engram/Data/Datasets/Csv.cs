using System.Text;

namespace Engram.Data.Datasets;

/// <summary>A small RFC 4180 CSV reader: commas, double-quoted fields with "" escapes and embedded newlines.</summary>
internal static class Csv
{
    public static IEnumerable<string[]> Read(string path)
    {
        string text = File.ReadAllText(path, Encoding.UTF8);
        var row = new List<string>();
        var field = new StringBuilder();
        bool quoted = false, fieldStarted = false;
        int line = 1;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    line += c == '\n' ? 1 : 0;
                    field.Append(c);
                }

                continue;
            }

            switch (c)
            {
                case '"' when !fieldStarted:
                    quoted = true;
                    fieldStarted = true;
                    break;
                case '"':
                    throw new DataFormatException(path, null, $"line {line}: a quote inside an unquoted field; quote the whole field and double the quote.");
                case ',':
                    row.Add(field.ToString());
                    field.Clear();
                    fieldStarted = false;
                    break;
                case '\r':
                    break;
                case '\n':
                    row.Add(field.ToString());
                    yield return [.. row];
                    row.Clear();
                    field.Clear();
                    fieldStarted = false;
                    line++;
                    break;
                default:
                    field.Append(c);
                    fieldStarted = true;
                    break;
            }
        }

        if (quoted)
        {
            throw new DataFormatException(path, null, $"line {line}: a quoted field is never closed.");
        }

        if (field.Length > 0 || row.Count > 0)
        {
            row.Add(field.ToString());
            yield return [.. row];
        }
    }
}
