using System.Globalization;
using System.Text;

namespace Engram.Encoders.Onnx;

/// <summary>
/// BERT's basic tokenization, as Hugging Face's BertTokenizer does it before WordPiece: special tokens ([CLS], [MASK]…)
/// kept whole; control characters dropped and white space made plain spaces; CJK ideographs set apart; for an uncased
/// model, lower case and accents stripped (NFD, then no non-spacing marks); punctuation split off. The words go to
/// Microsoft.ML.Tokenizers' WordPiece.
/// </summary>
/// <remarks>
/// Microsoft.ML.Tokenizers' own basic tokenization differs from the model's in three ways that the reference fixtures
/// showed: it drops symbols and emoji (🐶, ©) instead of making them [UNK] or their WordPiece ids, it splits words at
/// format characters (a zero-width space) instead of removing them, and it strips accents through string.Normalize, which
/// leaves non-ASCII text unchanged under InvariantGlobalization (Engram's setting). The decompositions are therefore
/// compiled in (<c>BertBasicTokenizer.Decompositions.cs</c>, from Python's unicodedata, which Hugging Face uses).
/// </remarks>
internal static partial class BertBasicTokenizer
{
    private static readonly Lazy<Dictionary<int, int[]>> s_decompositions = new(ParseDecompositions);

    /// <summary>The words of <paramref name="text"/>, joined by single spaces; <paramref name="specialTokens"/> are kept whole where they appear.</summary>
    public static string Words(string text, bool lowercase, IReadOnlyList<string> specialTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = new List<string>();
        int start = 0;
        for (int i = 0; i < text.Length; i++)
        {
            string? special = specialTokens.FirstOrDefault(t => string.CompareOrdinal(text, i, t, 0, t.Length) == 0);
            if (special is not null)
            {
                Basic(text[start..i], lowercase, words);
                words.Add(special);
                i += special.Length - 1;
                start = i + 1;
            }
        }

        Basic(text[start..], lowercase, words);
        return string.Join(' ', words);
    }

    // Hugging Face's BasicTokenizer.tokenize on a text without special tokens.
    private static void Basic(string text, bool lowercase, List<string> words)
    {
        var cleaned = new StringBuilder(text.Length + 8);
        foreach (Rune rune in text.EnumerateRunes())
        {
            int cp = rune.Value;
            if (cp is 0 or 0xFFFD || IsControl(rune))
            {
                continue;
            }

            if (IsWhitespace(rune))
            {
                cleaned.Append(' ');
            }
            else if (IsCjk(cp))
            {
                cleaned.Append(' ').Append(rune.ToString()).Append(' ');
            }
            else
            {
                cleaned.Append(rune.ToString());
            }
        }

        // Python's str.split() also splits at the line and paragraph separators, which cleaning keeps.
        foreach (string token in cleaned.ToString().Split([' ', '\u2028', '\u2029'], StringSplitOptions.RemoveEmptyEntries))
        {
            string word = lowercase ? StripAccents(token.ToLowerInvariant()) : token;
            var current = new StringBuilder();
            foreach (Rune rune in word.EnumerateRunes())
            {
                if (IsPunctuation(rune))
                {
                    if (current.Length > 0)
                    {
                        words.Add(current.ToString());
                        current.Clear();
                    }

                    words.Add(rune.ToString());
                }
                else
                {
                    current.Append(rune.ToString());
                }
            }

            if (current.Length > 0)
            {
                words.Add(current.ToString());
            }
        }
    }

    // NFD, then every non-spacing mark dropped.
    private static string StripAccents(string word)
    {
        var result = new StringBuilder(word.Length);
        foreach (Rune rune in word.EnumerateRunes())
        {
            foreach (int cp in Decompose(rune.Value))
            {
                if (Rune.GetUnicodeCategory(new Rune(cp)) != UnicodeCategory.NonSpacingMark)
                {
                    result.Append(char.ConvertFromUtf32(cp));
                }
            }
        }

        return result.ToString();
    }

    // The canonical decomposition of one code point: Hangul syllables by their arithmetic (Unicode §3.12), the rest from the table.
    private static int[] Decompose(int cp)
    {
        const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7, TCount = 28, NCount = 588, SCount = 11172;
        int s = cp - SBase;
        if (s is >= 0 and < SCount)
        {
            int l = LBase + (s / NCount), v = VBase + (s % NCount / TCount), t = TBase + (s % TCount);
            return t == TBase ? [l, v] : [l, v, t];
        }

        return s_decompositions.Value.TryGetValue(cp, out int[]? decomposed) ? decomposed : [cp];
    }

    private static bool IsWhitespace(Rune rune) => rune.Value is ' ' or '\t' or '\n' or '\r' || Rune.GetUnicodeCategory(rune) == UnicodeCategory.SpaceSeparator;

    // Python's unicodedata categories C*: control, format, surrogate, private use, unassigned (tab, newline and return are white space).
    private static bool IsControl(Rune rune) => rune.Value is not ('\t' or '\n' or '\r') && Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse or UnicodeCategory.OtherNotAssigned;

    // ASCII symbols count as punctuation for BERT (so "$" and "^" split off), and so does every Unicode P* character.
    private static bool IsPunctuation(Rune rune)
    {
        int cp = rune.Value;
        if (cp is (>= 33 and <= 47) or (>= 58 and <= 64) or (>= 91 and <= 96) or (>= 123 and <= 126))
        {
            return true;
        }

        return Rune.GetUnicodeCategory(rune) is UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
            or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation or UnicodeCategory.OtherPunctuation;
    }

    // The CJK Unified Ideographs blocks BERT sets apart (not Japanese kana or Korean Hangul, which are written with spaces).
    private static bool IsCjk(int cp) => cp is (>= 0x4E00 and <= 0x9FFF) or (>= 0x3400 and <= 0x4DBF) or (>= 0x20000 and <= 0x2A6DF) or (>= 0x2A700 and <= 0x2B73F)
        or (>= 0x2B740 and <= 0x2B81F) or (>= 0x2B820 and <= 0x2CEAF) or (>= 0xF900 and <= 0xFAFF) or (>= 0x2F800 and <= 0x2FA1F);

    private static Dictionary<int, int[]> ParseDecompositions()
    {
        var table = new Dictionary<int, int[]>();
        foreach (string entry in DecompositionTable.Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            int[] codes = entry.Split(' ').Select(h => int.Parse(h, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
            table[codes[0]] = codes[1..];
        }

        return table;
    }
}
