using Cam.Engine.Methods;
using Cam.Engine.Models;
using Cam.Engine.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Cam.Engine.Tests;

public class EngineBasicsTests
{
    [Fact]
    public void TorchSharp_native_backend_loads_and_computes()
    {
        using var a = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var product = a.matmul(a.T);
        Assert.Equal(new[] { 5f, 14f, 14f, 50f }, product.data<float>().ToArray());
        Assert.StartsWith("2.", torch.__version__);
    }

    [Fact]
    public void SafeTensors_converts_half_and_bfloat16_to_float()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors");
        try
        {
            // Hand-built file: F16 [1.5, -2] and BF16 [3.0] (0x4040), one byte of padding-free data each.
            var header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"BF16\",\"shape\":[1]," +
                "\"data_offsets\":[4,6]},\"__metadata__\":{\"k\":\"v\"}}";
            var headerBytes = System.Text.Encoding.UTF8.GetBytes(header);
            using (var stream = File.Create(path))
            {
                stream.Write(BitConverter.GetBytes((long)headerBytes.Length));
                stream.Write(headerBytes);
                stream.Write(BitConverter.GetBytes((Half)1.5f));
                stream.Write(BitConverter.GetBytes((Half)(-2f)));
                stream.Write(new byte[] { 0x40, 0x40 });
            }
            using var file = SafeTensors.Load(path);
            Assert.Equal(new[] { 1.5f, -2f }, file["h"].data<float>().ToArray());
            Assert.Equal(new[] { 3f }, file["b"].data<float>().ToArray());
            Assert.Equal("v", file.Metadata["k"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SafeTensors_round_trips_float_tensors()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors");
        try
        {
            using var original = torch.randn(2, 3, 5);
            SafeTensors.Save(path, [new("x", original)], new Dictionary<string, string> { ["a"] = "b" });
            using var file = SafeTensors.Load(path);
            Assert.True(original.eq(file["x"]).all().item<bool>());
            Assert.Equal("b", file.Metadata["a"]);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void SafeTensors_writes_every_dtype_it_reads_with_the_reference_dtype_names_and_values_intact()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors");
        var values = new double[] { -3, -1.5, 0, 0.25, 1, 2, 7, 100 };
        var cases = new (string Name, ScalarType Type)[]
        {
            ("F32", ScalarType.Float32), ("F16", ScalarType.Float16), ("BF16", ScalarType.BFloat16), ("F64", ScalarType.Float64),
            ("I64", ScalarType.Int64), ("I32", ScalarType.Int32), ("I16", ScalarType.Int16), ("I8", ScalarType.Int8),
            ("U8", ScalarType.Byte), ("BOOL", ScalarType.Bool),
        };
        try
        {
            using var source = torch.tensor(values, [2, 4]);
            var tensors = cases.Select(c =>
                new KeyValuePair<string, Tensor>(c.Name, (c.Type is ScalarType.Byte or ScalarType.Bool ? source.abs() : source).to(c.Type))).ToList();
            tensors.Add(new("empty", torch.zeros(0, 3, ScalarType.Float16)));
            SafeTensors.Save(path, tensors);

            // The header, read as the format defines it (u64 length, JSON), names each dtype as safetensors does.
            var bytes = File.ReadAllBytes(path);
            var header = System.Text.Json.Nodes.JsonNode.Parse(bytes.AsSpan(8, (int)BitConverter.ToInt64(bytes, 0)))!;
            foreach (var (name, _) in cases) Assert.Equal(name, header[name]!["dtype"]!.GetValue<string>());

            using var file = SafeTensors.Load(path);
            foreach (var (name, tensor) in tensors)
            {
                Assert.Equal(tensor.shape, file[name].shape);
                using var expected = tensor.to(ScalarType.Float64);
                using var actual = file[name].to(ScalarType.Float64);
                Assert.True(expected.eq(actual).all().item<bool>(), $"{name} changed in the round trip");
            }
            foreach (var (_, tensor) in tensors) tensor.Dispose();
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Corrupt_SafeTensors_file_is_refused_with_its_name()
    {
        var path = Path.Combine(Path.GetTempPath(), $"cam-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
        try
        {
            var error = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));
            Assert.Contains(path, error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Weight_mismatch_lists_every_missing_unexpected_and_misshaped_key()
    {
        using var model = Architectures.Create("resnet18", 10);
        var state = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        state.Remove("layer1.0.conv1.weight");
        state.Remove("bn1.running_var");
        state["extra.weight"] = torch.zeros(1);
        state["fc.weight"] = torch.zeros(7, 512);
        var error = Assert.Throws<WeightMismatchException>(() => WeightLoader.Load(model, state, "w.safetensors"));
        Assert.Contains("missing keys: ", error.Message);
        Assert.Contains("layer1.0.conv1.weight", error.Message);
        Assert.Contains("bn1.running_var", error.Message);
        Assert.Contains("unexpected keys: extra.weight", error.Message);
        Assert.Contains("fc.weight (model [10,512], file [7,512])", error.Message);
    }

    [Fact]
    public void Half_precision_weights_load_as_the_models_dtype()
    {
        using var model = Fixtures.ResNet18();
        using var file = SafeTensors.Load(Fixtures.ResNet18Weights);
        var (_, weight) = model.LinearWeights("fc");
        using (weight)
        {
            Assert.Equal(ScalarType.Float32, weight.dtype);
            Assert.True(weight.eq(file["fc.weight"]).all().item<bool>());
        }
    }

    [Fact]
    public void Hooks_are_removed_after_extraction_and_after_failure()
    {
        using var model = Fixtures.ResNet18();
        using var input = torch.randn(1, 3, 32, 32);
        using (model.Forward(input, ["layer4", "layer3"])) { }
        Assert.Throws<ArgumentException>(() => model.Forward(input, ["layer4", "no_such_layer"]));
        LeftoverChecks.AssertNoHookLeftAndFreshLogits(model, input);
    }

    [Fact]
    public void Unknown_layer_and_cam_on_several_layers_are_clear_errors()
    {
        using var model = Fixtures.ResNet18();
        var unknown = Assert.Throws<ArgumentException>(() => new CamExplainer(model, new ScoreCam(), ["layer9"]));
        Assert.Contains("layer9", unknown.Message);
        Assert.Throws<ArgumentException>(() => new CamExplainer(model, new ClassActivationMap(), ["layer3", "layer4"]));
        using var input = torch.randn(1, 3, 32, 32);
        var narrow = Assert.Throws<ArgumentException>(() => new CamExplainer(model, new ClassActivationMap(), ["layer3"])
            .Explain(input, ClassSelection.ForBatch(0)));
        Assert.Contains("256 channels", narrow.Message);
        Assert.Throws<ArgumentException>(() => new CamExplainer(model, new ScoreCam(), ["layer4"]).Explain(input, ClassSelection.ForBatch(10)));
    }

    [Fact]
    public void Class_index_parses_an_int_or_a_json_list()
    {
        using var logits = torch.zeros(2, 10);
        Assert.Equal(new long[,] { { 4 }, { 4 } }, ClassSelection.Parse("4").Resolve(logits));
        Assert.Equal(new long[,] { { 1 }, { 2 } }, ClassSelection.Parse("[1, 2]").Resolve(logits));
        Assert.Throws<ArgumentException>(() => ClassSelection.Parse("[1, 2, 3]").Resolve(logits));
        Assert.Throws<ArgumentException>(() => ClassSelection.Parse("one"));
    }
}
