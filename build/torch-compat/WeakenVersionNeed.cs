using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

// TorchSharp 0.107's native shim asks for GLIBCXX_3.4.32 (GCC 13) for one symbol, std::ios_base_library_init, which it
// only references: GCC 13's headers pull it in to initialise the standard streams, and libtorch already does that on
// an older libstdc++. Marking that version need weak (VER_FLG_WEAK in .gnu.version_r) lets the loader accept a
// libstdc++ without it (Debian 12's), so the build needs nothing but the SDK. Idempotent; harmless where the version
// exists. The file is rewritten through a temporary and a rename, so a hard link into the NuGet cache is never edited.
public class WeakenVersionNeed : Task
{
    const uint ShtGnuVerneed = 0x6FFFFFFE;
    const ushort VerFlgWeak = 0x2;

    [Required] public ITaskItem[] Files { get; set; } = Array.Empty<ITaskItem>();
    [Required] public string Version { get; set; } = "";

    public override bool Execute()
    {
        foreach (var item in Files)
        {
            var path = item.GetMetadata("FullPath");
            if (!File.Exists(path)) continue;
            try
            {
                var data = File.ReadAllBytes(path);
                switch (Weaken(data, Version))
                {
                    case Outcome.Weakened:
                        var temporary = path + ".weak.tmp";
                        File.WriteAllBytes(temporary, data);
                        File.Delete(path);
                        File.Move(temporary, path);
                        Log.LogMessage(MessageImportance.Normal, $"{path}: version need {Version} marked weak");
                        break;
                    case Outcome.NotELF:
                        Log.LogError($"{path}: not a little-endian ELF64 file");
                        break;
                }
            }
            catch (Exception e)
            {
                Log.LogError($"{path}: could not mark {Version} weak: {e.Message}");
            }
        }
        return !Log.HasLoggedErrors;
    }

    public enum Outcome { Weakened, AlreadyWeak, NotNeeded, NotELF }

    public static Outcome Weaken(byte[] data, string version)
    {
        if (data.Length < 64 || data[0] != 0x7F || data[1] != (byte)'E' || data[2] != (byte)'L' || data[3] != (byte)'F'
            || data[4] != 2 || data[5] != 1)
            return Outcome.NotELF;
        var sectionsAt = (long)BitConverter.ToUInt64(data, 0x28);
        int entrySize = BitConverter.ToUInt16(data, 0x3A), count = BitConverter.ToUInt16(data, 0x3C);
        for (var i = 0; i < count; i++)
        {
            var header = sectionsAt + (long)i * entrySize;
            if (BitConverter.ToUInt32(data, (int)header + 4) != ShtGnuVerneed) continue;
            var offset = (long)BitConverter.ToUInt64(data, (int)header + 0x18);
            var link = BitConverter.ToUInt32(data, (int)header + 0x28);
            var needs = BitConverter.ToUInt32(data, (int)header + 0x2C);
            var strings = (long)BitConverter.ToUInt64(data, (int)(sectionsAt + link * entrySize) + 0x18);
            var entry = offset;
            for (var n = 0; n < needs; n++)
            {
                int auxCount = BitConverter.ToUInt16(data, (int)entry + 2);
                var aux = entry + BitConverter.ToUInt32(data, (int)entry + 8);
                for (var a = 0; a < auxCount; a++)
                {
                    var flags = BitConverter.ToUInt16(data, (int)aux + 4);
                    var name = strings + BitConverter.ToUInt32(data, (int)aux + 8);
                    var end = Array.IndexOf(data, (byte)0, (int)name);
                    if (Encoding.ASCII.GetString(data, (int)name, end - (int)name) == version)
                    {
                        if ((flags & VerFlgWeak) != 0) return Outcome.AlreadyWeak;
                        BitConverter.GetBytes((ushort)(flags | VerFlgWeak)).CopyTo(data, (int)aux + 4);
                        return Outcome.Weakened;
                    }
                    aux += BitConverter.ToUInt32(data, (int)aux + 12);
                }
                entry += BitConverter.ToUInt32(data, (int)entry + 12);
            }
        }
        return Outcome.NotNeeded;
    }
}
