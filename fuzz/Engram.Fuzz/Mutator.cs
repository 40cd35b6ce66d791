using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Engram.Fuzz;

/// <summary>
/// Seeded mutations of a seed input: bit flips, bytes set to interesting values, 16- and 32-bit words set to
/// boundary values in either byte order, inserts, deletes, chunk duplication, truncation and splicing of two
/// seeds; and, for JSON text, structural edits that keep the text valid JSON but change a value's type or range.
/// The same seed and sequence of calls give the same inputs.
/// </summary>
internal sealed class Mutator(int seed)
{
    private static readonly byte[] s_bytes = [0, 1, 0x7F, 0x80, 0xFF, 0xFE, 0x10, 0x20, 0x40];

    private static readonly uint[] s_words = [0, 1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0x10000, 0x100];

    private static readonly string[] s_jsonValues =
    [
        "\"\"", "\"x\"", "\"1\"", "[]", "[[1]]", "{}", "null", "true", "0", "-1", "1e400", "-1e400", "1e30", "0.5", "-0.0",
        "2147483648", "-2147483649", "9223372036854775808", "18446744073709551616", "4294967295", "1E+308",
        "[0,0]", "[1,2,3]", "{\"a\":1}", "\"\\u0000\"", "\"\\ud800\"", "[-1]", "[2147483647,2147483647]",
    ];

    public Random Random { get; } = new(seed);

    /// <summary>One to four byte-level edits of <paramref name="input"/>, sometimes spliced with <paramref name="other"/>.</summary>
    public byte[] MutateBytes(byte[] input, byte[] other, int keepPrefix = 0)
    {
        var bytes = new List<byte>(input);
        int edits = 1 + Random.Next(4);
        for (int e = 0; e < edits; e++)
        {
            if (bytes.Count <= keepPrefix)
            {
                bytes.Add((byte)Random.Next(256));
                continue;
            }

            int at = keepPrefix + Random.Next(bytes.Count - keepPrefix);
            switch (Random.Next(11))
            {
                case 0:
                    bytes[at] ^= (byte)(1 << Random.Next(8));
                    break;
                case 1:
                    bytes[at] = s_bytes[Random.Next(s_bytes.Length)];
                    break;
                case 2:
                case 3:
                    SetWord(bytes, at, Random.Next(2) == 0 ? 2 : 4);
                    break;
                case 4:
                    bytes.InsertRange(at, Enumerable.Range(0, 1 + Random.Next(8)).Select(_ => (byte)Random.Next(256)));
                    break;
                case 5:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + Random.Next(16)));
                    break;
                case 6:
                {
                    // Duplicate a chunk somewhere else.
                    int length = Math.Min(bytes.Count - at, 1 + Random.Next(64));
                    byte[] chunk = bytes.GetRange(at, length).ToArray();
                    bytes.InsertRange(keepPrefix + Random.Next(bytes.Count - keepPrefix + 1), chunk);
                    break;
                }

                case 7:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
                case 8:
                {
                    // Splice: this input up to a point, the other seed from a point on.
                    int from = other.Length == 0 ? 0 : Random.Next(other.Length);
                    bytes.RemoveRange(at, bytes.Count - at);
                    bytes.AddRange(other.AsSpan(from).ToArray());
                    break;
                }

                case 9:
                    bytes[at] = (byte)Random.Next(256);
                    break;
                default:
                    bytes[at] = (byte)(bytes[at] + Random.Next(-3, 4));
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>
    /// A structural edit of JSON text: one value somewhere in the document replaced by a string, an array, an
    /// object, a huge, negative or fractional number, null or a boolean; a property removed or duplicated; or
    /// a string value given odd characters. Falls back to byte edits when the text is not JSON.
    /// </summary>
    public string MutateJson(string json)
    {
        try
        {
            return MutateParsed(json);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException)
        {
            // Not JSON, or JSON that JsonNode cannot hold (a property given twice): edit its bytes instead.
            return Encoding.UTF8.GetString(MutateBytes(Encoding.UTF8.GetBytes(json), []));
        }
    }

    private string MutateParsed(string json)
    {
        JsonNode? root = JsonNode.Parse(json);

        if (root is null)
        {
            return json;
        }

        var nodes = new List<JsonNode>();
        Collect(root, nodes);
        JsonNode target = nodes[Random.Next(nodes.Count)];
        JsonNode? parent = target.Parent;
        int choice = Random.Next(10);
        if (parent is JsonObject obj && choice == 0)
        {
            obj.Remove(target.GetPropertyName());
        }
        else if (parent is JsonArray array && choice == 1)
        {
            array.Add(target.DeepClone());
        }
        else if (parent is JsonArray shrink && choice == 2)
        {
            shrink.RemoveAt(target.GetElementIndex());
        }
        else if (parent is not null && choice == 3 && target.GetValueKind() == JsonValueKind.String)
        {
            string value = target.GetValue<string>();
            Replace(target, JsonValue.Create(value + new string((char)Random.Next(0x20, 0x3000), 1 + Random.Next(3))));
        }
        else if (parent is not null)
        {
            Replace(target, JsonNode.Parse(s_jsonValues[Random.Next(s_jsonValues.Length)]));
        }
        else
        {
            root = JsonNode.Parse(s_jsonValues[Random.Next(s_jsonValues.Length)]);
        }

        return root?.ToJsonString() ?? "null";
    }

    private void SetWord(List<byte> bytes, int at, int size)
    {
        if (at + size > bytes.Count)
        {
            return;
        }

        uint value = s_words[Random.Next(s_words.Length)];
        if (Random.Next(4) == 0)
        {
            value += (uint)Random.Next(-2, 3);
        }

        Span<byte> word = stackalloc byte[4];
        bool big = Random.Next(2) == 0;
        if (size == 2)
        {
            if (big)
            {
                BinaryPrimitives.WriteUInt16BigEndian(word, (ushort)value);
            }
            else
            {
                BinaryPrimitives.WriteUInt16LittleEndian(word, (ushort)value);
            }
        }
        else if (big)
        {
            BinaryPrimitives.WriteUInt32BigEndian(word, value);
        }
        else
        {
            BinaryPrimitives.WriteUInt32LittleEndian(word, value);
        }

        for (int i = 0; i < size; i++)
        {
            bytes[at + i] = word[i];
        }
    }

    private static void Collect(JsonNode node, List<JsonNode> nodes)
    {
        nodes.Add(node);
        switch (node)
        {
            case JsonObject obj:
                foreach (KeyValuePair<string, JsonNode?> property in obj.ToArray())
                {
                    if (property.Value is not null)
                    {
                        Collect(property.Value, nodes);
                    }
                }

                break;
            case JsonArray array:
                foreach (JsonNode? item in array.ToArray())
                {
                    if (item is not null)
                    {
                        Collect(item, nodes);
                    }
                }

                break;
            default:
                break;
        }
    }

    private static void Replace(JsonNode target, JsonNode? value)
    {
        switch (target.Parent)
        {
            case JsonObject obj:
                obj[target.GetPropertyName()] = value;
                break;
            case JsonArray array:
                array[target.GetElementIndex()] = value;
                break;
            default:
                break;
        }
    }
}
