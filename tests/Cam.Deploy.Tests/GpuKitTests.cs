using System.Diagnostics;
using Cam.Tests.Shared;

namespace Cam.Deploy.Tests;

/// <summary>
/// The GPU device kit (build/gpu) runs only on a lent GPU machine or in a dry run after a pack; these keep what can be
/// checked without either from breaking unseen: the scripts parse, the shim's ninja file is generated from the upstream
/// source list, and the report's summary is right.
/// </summary>
public class GpuKitTests
{
    private static string Kit => Path.Combine(RepositoryRoot.Path, "build", "gpu");

    [Fact]
    public void The_kits_shell_and_python_scripts_parse()
    {
        var shell = Directory.GetFiles(Kit, "*.sh");
        var python = Directory.GetFiles(Kit, "*.py");
        Assert.Contains(Path.Combine(Kit, "device.sh"), shell);
        Assert.Contains(Path.Combine(Kit, "anchors.py"), python);
        foreach (var script in shell) Run("bash", ["-n", script]);
        foreach (var script in python) Run("python3", ["-c", "import ast, sys; ast.parse(open(sys.argv[1]).read(), sys.argv[1])", script]);
    }

    [Fact]
    public void The_shim_is_built_from_the_sources_the_upstream_CMakeLists_names_with_the_torch_abi_and_cuda_libraries()
    {
        using var temp = new TempDir();
        var native = Directory.CreateDirectory(Path.Combine(temp.Path, "Native", "LibTorchSharp")).FullName;
        File.WriteAllText(Path.Combine(native, "CMakeLists.txt"),
            "project(LibTorchSharp)\nset(SOURCES\n    THSTensor.h\n\tcrc32c.c\n    THSTensor.cpp\n    Utils.cpp)\nadd_library(LibTorchSharp " +
                "SHARED ${SOURCES})\n");
        var torch = Directory.CreateDirectory(Path.Combine(temp.Path, "torch")).FullName;
        var lib = Directory.CreateDirectory(Path.Combine(torch, "lib")).FullName;
        foreach (var name in new[] { "torch", "torch_cpu", "torch_cuda", "c10" }) File.WriteAllText(Path.Combine(lib, $"lib{name}.so"), "");
        // A stand-in for the device's python: what the script asks torch for (folder, C++ ABI, version).
        var python = Path.Combine(temp.Path, "python");
        File.WriteAllText(python, $"#!/bin/sh\necho '{torch} 0 2.11.0+cu130'\n");
        Run("chmod", ["+x", python]);

        Run("bash", [Path.Combine(Kit, "build-shim.sh"), "--sources", Path.Combine(temp.Path, "Native"), "--out", Path.Combine(temp.Path, "out"),
            "--python", python, "--configure-only"]);

        var ninja = File.ReadAllLines(Path.Combine(temp.Path, "out", "build", "build.ninja"));
        var builds = ninja.Where(l => l.StartsWith("build obj/")).ToList();
        Assert.Equal(
            [$"build obj/crc32c.o: cc {native}/crc32c.c", $"build obj/THSTensor.o: cxx {native}/THSTensor.cpp",
                $"build obj/Utils.o: cxx {native}/Utils.cpp"],
            builds);
        var cxxflags = ninja.Single(l => l.StartsWith("cxxflags = "));
        Assert.Contains("-D_GLIBCXX_USE_CXX11_ABI=0", cxxflags);
        Assert.Contains("-std=c++17", cxxflags);
        Assert.Contains($"-I{torch}/include/torch/csrc/api/include", cxxflags);
        Assert.DoesNotContain("-Werror", cxxflags);
        var ldflags = ninja.Single(l => l.StartsWith("ldflags = "));
        Assert.Contains($"-Wl,-rpath,{lib}", ldflags);
        Assert.Contains("-Wl,--no-as-needed -ltorch -ltorch_cpu -ltorch_cuda -lc10 -Wl,--as-needed", ldflags);
        Assert.Contains("build libLibTorchSharp.so: link obj/crc32c.o obj/THSTensor.o obj/Utils.o", ninja);
    }

    [Fact]
    public void The_report_keeps_each_steps_json_and_summarises_parity_and_our_speed_over_the_anchors()
    {
        using var temp = new TempDir();
        var steps = Path.Combine(temp.Path, "steps.jsonl");
        void Record(string name, string status, int rc, string stdout)
        {
            var file = Path.Combine(temp.Path, name + ".out");
            File.WriteAllText(file, stdout);
            Run("python3", [Path.Combine(Kit, "report.py"), "record", "--steps", steps, "--name", name, "--status", status, "--rc", rc.ToString(),
                "--seconds", "1", "--stdout", file]);
        }
        Record("parity-float32", "failed", 1, "noise before\n" + new JsonObject
        {
            ["passed"] = 1, ["failed"] = 1, ["tf32"] = new JsonObject { ["matmul"] = false, ["cudnn"] = false },
            ["cases"] = new JsonArray(
                new JsonObject { ["case"] = "scorecam_layer4", ["passed"] = true },
                new JsonObject { ["case"] = "gradcam_layer4", ["passed"] = false, ["reason"] = "unknown method 'gradcam'" }),
        }.ToJsonString() + "\n");
        Record("bench-resnet18-bfloat16cl-top1", "ok", 0, new JsonObject
        {
            ["arch"] = "resnet18", ["batch"] = 32, ["classes"] = 1, ["images_per_second"] = 120.0, ["efficiency"] = 0.93,
        }.ToJsonString());
        Record("bench-resnet18-float32-top1", "ok", 0, new JsonObject
        {
            ["arch"] = "resnet18", ["batch"] = 32, ["classes"] = 1, ["images_per_second"] = 45.0,
        }.ToJsonString());
        Record("anchors-resnet18-top1", "ok", 0,
            new JsonObject
            {
                ["anchor"] = "torchcam", ["arch"] = "resnet18", ["batch"] = 32, ["classes"] = 1, ["dtype"] = "float32",
                ["images_per_second"] = 15.0
            }.ToJsonString() + "\n" +
            new JsonObject
            {
                ["anchor"] = "gradcam", ["arch"] = "resnet18", ["batch"] = 32, ["classes"] = 1, ["dtype"] = "float32",
                ["error"] = "OutOfMemoryError: CUDA out of memory"
            }.ToJsonString() + "\n");
        var output = Path.Combine(temp.Path, "report.json");
        Run("python3", [Path.Combine(Kit, "report.py"), "assemble", "--steps", steps, "--out", output, "--mode", "device", "--started",
            "2026-01-01T00:00:00Z"]);

        var report = JsonNode.Parse(File.ReadAllText(output))!;
        Assert.Equal("unknown method 'gradcam'", (string?)report["summary"]!["parity"]!["parity-float32"]!["failing"]!["gradcam_layer4"]);
        Assert.Equal(2, report["steps"]!.AsArray().Single(s => (string?)s!["name"] == "anchors-resnet18-top1")!["results"]!.AsArray().Count);
        var speedups = report["summary"]!["speedup"]!.AsArray()
            .Select(s => ((string)s!["ours"]!, (string)s["anchor"]!, (double)s["ratio"]!)).ToList();
        Assert.Equal([("bench-resnet18-bfloat16cl-top1", "torchcam", 120.0 / 15.0),
            ("bench-resnet18-float32-top1", "torchcam", 45.0 / 15.0)], speedups);
    }

    private static void Run(string file, string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {stderr}{stdout.Result}");
    }

    private sealed class TempDir : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("cam-gpu-kit-").FullName;
        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
