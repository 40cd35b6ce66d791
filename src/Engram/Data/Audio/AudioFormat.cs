namespace Engram.Data.Audio;

/// <summary>
/// What a sound file holds, as <see cref="AudioFiles.Detect"/> tells it from the file's first bytes. Engram
/// decodes <see cref="Wav"/> (PCM and float), <see cref="Mp3"/> and <see cref="OggVorbis"/> itself; every other
/// format goes through the <c>ffmpeg</c> program when it is installed.
/// </summary>
public enum AudioFormat
{
    /// <summary>Not a sound format Engram recognises.</summary>
    Unknown,

    /// <summary>RIFF/WAVE ("RIFF", a size, "WAVE"): PCM and float are read by <see cref="WavFile"/>, other codecs inside a WAV (μ-law, A-law, ADPCM…) by ffmpeg.</summary>
    Wav,

    /// <summary>MPEG audio, layers I–III (MP3, MP2), MPEG 1, 2 and 2.5; with or without an ID3v2 tag in front.</summary>
    Mp3,

    /// <summary>Vorbis in an Ogg container ("OggS", then a "\x01vorbis" header).</summary>
    OggVorbis,

    /// <summary>Opus in an Ogg container ("OggS", then "OpusHead").</summary>
    Opus,

    /// <summary>An Ogg container holding another codec (FLAC, Speex…).</summary>
    OggOther,

    /// <summary>FLAC ("fLaC").</summary>
    Flac,

    /// <summary>MP4 / M4A / 3GP / QuickTime ("ftyp" at byte 4): AAC or ALAC, often with video.</summary>
    Mp4,

    /// <summary>AAC in ADTS frames (a 12-bit sync word, layer 0).</summary>
    Aac,

    /// <summary>Matroska or WebM (the EBML magic 1A 45 DF A3): Opus or Vorbis, often with video.</summary>
    WebM,

    /// <summary>AIFF or AIFF-C ("FORM", a size, "AIFF" or "AIFC").</summary>
    Aiff,

    /// <summary>Apple Core Audio Format ("caff").</summary>
    Caf,

    /// <summary>Windows Media Audio in an ASF container.</summary>
    Wma,

    /// <summary>AMR speech ("#!AMR").</summary>
    Amr,

    /// <summary>WavPack ("wvpk").</summary>
    WavPack,

    /// <summary>Monkey's Audio ("MAC ").</summary>
    Ape,
}

/// <summary>Names and demuxers of the <see cref="AudioFormat"/>s.</summary>
public static class AudioFormats
{
    /// <summary>How a person calls the format, to follow "the file is …": "FLAC audio", "MP3 audio", "M4A/MP4 audio".</summary>
    public static string Describe(this AudioFormat format) => format switch
    {
        AudioFormat.Wav => "WAV audio",
        AudioFormat.Mp3 => "MP3 audio",
        AudioFormat.OggVorbis => "OGG Vorbis audio",
        AudioFormat.Opus => "Opus audio",
        AudioFormat.OggOther => "Ogg audio (not Vorbis or Opus)",
        AudioFormat.Flac => "FLAC audio",
        AudioFormat.Mp4 => "M4A/MP4 audio",
        AudioFormat.Aac => "AAC audio",
        AudioFormat.WebM => "WebM/Matroska audio",
        AudioFormat.Aiff => "AIFF audio",
        AudioFormat.Caf => "Core Audio (CAF) audio",
        AudioFormat.Wma => "Windows Media (WMA) audio",
        AudioFormat.Amr => "AMR audio",
        AudioFormat.WavPack => "WavPack audio",
        AudioFormat.Ape => "Monkey's Audio (APE)",
        _ => "not a sound format Engram recognises",
    };

    /// <summary>Whether Engram decodes the format itself, without ffmpeg (WAV of PCM or float, MP3, OGG Vorbis).</summary>
    public static bool IsBuiltIn(this AudioFormat format) => format is AudioFormat.Wav or AudioFormat.Mp3 or AudioFormat.OggVorbis;

    /// <summary>
    /// The media type a browser plays the format by ("audio/wav", "audio/mpeg", "audio/ogg", "audio/flac", "audio/mp4",
    /// …); null for <see cref="AudioFormat.Unknown"/> and formats without a common one.
    /// </summary>
    public static string? ContentType(this AudioFormat format) => format switch
    {
        AudioFormat.Wav => "audio/wav",
        AudioFormat.Mp3 => "audio/mpeg",
        AudioFormat.OggVorbis or AudioFormat.Opus or AudioFormat.OggOther => "audio/ogg",
        AudioFormat.Flac => "audio/flac",
        AudioFormat.Mp4 => "audio/mp4",
        AudioFormat.Aac => "audio/aac",
        AudioFormat.WebM => "audio/webm",
        AudioFormat.Aiff => "audio/aiff",
        AudioFormat.Amr => "audio/amr",
        _ => null,
    };

    /// <summary>
    /// The ffmpeg demuxer for the format, named explicitly so that ffmpeg never guesses one (a playlist or
    /// concat script could make it open other files); null for <see cref="AudioFormat.Unknown"/>.
    /// </summary>
    internal static string? FfmpegDemuxer(this AudioFormat format) => format switch
    {
        AudioFormat.Wav => "wav",
        AudioFormat.Mp3 => "mp3",
        AudioFormat.OggVorbis or AudioFormat.Opus or AudioFormat.OggOther => "ogg",
        AudioFormat.Flac => "flac",
        AudioFormat.Mp4 => "mov",
        AudioFormat.Aac => "aac",
        AudioFormat.WebM => "matroska",
        AudioFormat.Aiff => "aiff",
        AudioFormat.Caf => "caf",
        AudioFormat.Wma => "asf",
        AudioFormat.Amr => "amr",
        AudioFormat.WavPack => "wv",
        AudioFormat.Ape => "ape",
        _ => null,
    };
}
