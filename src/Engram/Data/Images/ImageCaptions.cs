using System.Xml;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;

namespace Engram.Data.Images;

/// <summary>Captions an image file carries in its own metadata (see <see cref="ImageFiles.Identify(string)"/>).</summary>
internal static class ImageCaptions
{
    private const string DublinCore = "http://purl.org/dc/elements/1.1/";

    /// <summary>What cameras write into EXIF ImageDescription when the photographer wrote nothing: not captions.</summary>
    private static readonly string[] s_placeholders =
        ["OLYMPUS DIGITAL CAMERA", "SONY DSC", "DIGITAL CAMERA", "KODAK Digital Still Camera", "Default", "DCIM", "SAMSUNG", "LEICA", "Untitled", "image"];

    /// <summary>A PNG's <c>Title</c>, then its <c>Description</c> (empty values skipped).</summary>
    public static IReadOnlyList<string> FromPngText(IReadOnlyDictionary<string, string> text)
    {
        var captions = new List<string>();
        foreach (string key in new[] { "Title", "Description" })
        {
            if (text.TryGetValue(key, out string? value))
            {
                Add(captions, value);
            }
        }

        return captions;
    }

    /// <summary>XMP dc:title, EXIF ImageDescription (less camera placeholders), XMP dc:description; each once, empty ones skipped.</summary>
    public static IReadOnlyList<string> FromMetadata(ImageMetadata metadata)
    {
        var captions = new List<string>();
        (string? title, string? description) = Xmp(metadata);
        Add(captions, title);
        string? exif = Exif(metadata);
        if (exif is not null && !s_placeholders.Any(p => string.Equals(p, exif.Trim(), StringComparison.OrdinalIgnoreCase)))
        {
            Add(captions, exif);
        }

        Add(captions, description);
        return captions;
    }

    private static void Add(List<string> captions, string? value)
    {
        // EXIF strings are often padded with NULs or spaces to a fixed length.
        string? trimmed = value?.Trim().Trim('\0').Trim();
        if (!string.IsNullOrEmpty(trimmed) && !captions.Contains(trimmed, StringComparer.Ordinal))
        {
            captions.Add(trimmed);
        }
    }

    private static string? Exif(ImageMetadata metadata)
    {
        try
        {
            return metadata.ExifProfile?.GetValue(ExifTag.ImageDescription)?.Value;
        }
#pragma warning disable CA1031 // A damaged EXIF block only loses its caption: the image itself may be fine.
        catch (Exception e) when (e is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    /// <summary>
    /// dc:title and dc:description of an XMP packet: the x-default (else first) <c>rdf:li</c> of each, or the element's own
    /// text. The packet is read with DTDs prohibited and no resolver, so it can neither expand entities nor reach a file.
    /// </summary>
    private static (string? Title, string? Description) Xmp(ImageMetadata metadata)
    {
        byte[]? data = metadata.XmpProfile?.ToByteArray();
        if (data is null || data.Length == 0)
        {
            return (null, null);
        }

        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Prohibit, XmlResolver = null, MaxCharactersInDocument = 1 << 22, IgnoreComments = true };
        try
        {
            using var stream = new MemoryStream(data, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            var document = new XmlDocument { XmlResolver = null };
            document.Load(reader);
            var names = new XmlNamespaceManager(document.NameTable);
            names.AddNamespace("dc", DublinCore);
            return (Text(document, "//dc:title", names), Text(document, "//dc:description", names));
        }
        catch (XmlException)
        {
            return (null, null);
        }
    }

    private static string? Text(XmlDocument document, string path, XmlNamespaceManager names)
    {
        if (document.SelectSingleNode(path, names) is not XmlElement element)
        {
            return null;
        }

        XmlNodeList items = element.GetElementsByTagName("li", "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
        if (items.Count == 0)
        {
            return element.InnerText;
        }

        XmlElement? chosen = items.OfType<XmlElement>().FirstOrDefault(li => li.GetAttribute("xml:lang") == "x-default") ?? items.OfType<XmlElement>().FirstOrDefault();
        return chosen?.InnerText;
    }
}
