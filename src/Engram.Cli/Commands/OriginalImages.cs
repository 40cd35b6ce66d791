using Engram.Engines;
using Engram.Store;

namespace Engram.Cli.Commands;

/// <summary>
/// An item's original image, as a living store keeps it (its PNG's bytes, or the path of the file it was added from):
/// what recall shows for a memory whose image encoder has no decoder (resnet18, a user's ONNX model), whose codes cannot
/// become pixels.
/// </summary>
internal static class OriginalImages
{
    /// <summary>
    /// The PNG bytes of item <paramref name="id"/>'s original image in the store at <paramref name="path"/> (whose encoders
    /// are looked for in <paramref name="models"/> too); null when <paramref name="path"/> is a memory file (it keeps codes
    /// only) or the store kept no original of that item.
    /// </summary>
    public static byte[]? Png(string path, string id, IReadOnlyList<string> models)
    {
        if (!MemoryStore.IsStore(path))
        {
            return null;
        }

        using MemoryStore store = MemoryStore.Open(path, new Multimodal.MemoryLoadOptions { VerifyChecksum = false, ModelFolders = models });
        return store.Media(id, Modality.ImageName) switch
        {
            { Bytes: { } bytes } => bytes,
            { Reference: { } file } when File.Exists(file) => File.ReadAllBytes(file),
            { Reference: { } file } => throw new FileNotFoundException(
                $"The store {path} keeps item {id}'s image as a reference to {file}, which is gone: put the file back, or add the item again with `engram add --replace`.", file),
            _ => null,
        };
    }

    /// <summary>Why the stored image of an item cannot be shown: the encoder has no decoder, and (for a memory file) what keeps the originals.</summary>
    public static string NoDecoder(string path, string encoder, string what) =>
        $"{what}, but the {encoder} image encoder has no decoder (its codes are a network's features, not pixels)" +
        (MemoryStore.IsStore(path) ? $", and the store {path} kept no original image of that item." : $", and {path} is a memory file, which keeps codes only: build it with `engram build --store` to keep the original images.");
}
