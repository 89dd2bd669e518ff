namespace Cam.Cli.Commands.InputBench;

/// <summary>
/// What one side of <c>cam bench-inputs</c> measured: images over wall and CPU seconds, and the seconds each image
/// spent being read, decoded and preprocessed (summed over threads).
/// </summary>
internal sealed record InputTimes(string Decoder, long Images, int Threads, double Seconds, double CpuSeconds,
    double ReadSeconds, double DecodeSeconds, double PreprocessSeconds, double UserSeconds, double SystemSeconds)
{
    /// <summary>What else the side reports (Cam: its garbage collections), added to its JSON as is.</summary>
    public JsonObject? Extra { get; init; }

    /// <summary>Images per second of CPU time over all threads (the process's user + system time): the rate per core.</summary>
    public double ImagesPerCpuSecond => CpuSeconds > 0 ? Images / CpuSeconds : 0;

    public JsonObject ToJson()
    {
        var staged = ReadSeconds + DecodeSeconds + PreprocessSeconds;
        var json = new JsonObject
        {
            ["decoder"] = Decoder,
            ["images"] = Images,
            ["threads"] = Threads,
            ["seconds"] = Math.Round(Seconds, 3),
            ["cpu_seconds"] = Math.Round(CpuSeconds, 3),
            ["cpu_user_seconds"] = Math.Round(UserSeconds, 3),
            ["cpu_system_seconds"] = Math.Round(SystemSeconds, 3),
            ["images_per_second"] = Math.Round(Seconds > 0 ? Images / Seconds : 0, 2),
            ["images_per_second_per_thread"] = Math.Round(Seconds > 0 ? Images / Seconds / Threads : 0, 2),
            ["images_per_cpu_second"] = Math.Round(ImagesPerCpuSecond, 2),
            ["ms_per_image"] = new JsonObject
            {
                ["read"] = Math.Round(1000 * ReadSeconds / Math.Max(Images, 1), 3),
                ["decode"] = Math.Round(1000 * DecodeSeconds / Math.Max(Images, 1), 3),
                ["preprocess"] = Math.Round(1000 * PreprocessSeconds / Math.Max(Images, 1), 3),
            },
            ["share"] = new JsonObject
            {
                ["read"] = Math.Round(staged > 0 ? ReadSeconds / staged : 0, 3),
                ["decode"] = Math.Round(staged > 0 ? DecodeSeconds / staged : 0, 3),
                ["preprocess"] = Math.Round(staged > 0 ? PreprocessSeconds / staged : 0, 3),
            },
        };
        foreach (var (key, value) in Extra ?? []) json[key] = value?.DeepClone();
        return json;
    }

    public static InputTimes FromJson(JsonNode json) => new(
        json["decoder"]!.GetValue<string>(), json["images"]!.GetValue<long>(), json["threads"]!.GetValue<int>(),
        json["seconds"]!.GetValue<double>(), json["cpu_seconds"]!.GetValue<double>(), json["read_seconds"]!.GetValue<double>(),
        json["decode_seconds"]!.GetValue<double>(), json["preprocess_seconds"]!.GetValue<double>(),
        json["cpu_user_seconds"]!.GetValue<double>(), json["cpu_system_seconds"]!.GetValue<double>());
}
