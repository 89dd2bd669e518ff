using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cam.Specs;

/// <summary>
/// One activation a TorchScript model returns after its logits: in <c>model.json</c> either its name, or
/// <c>{"name": …, "tokens": {"prefix": 1}}</c> for a token sequence (N, prefix + h·w, D) to fold into the patch grid,
/// or <c>{"name": …, "forwardWith": "method"}</c> naming an exported method of the module, (x, activation) → logits:
/// the logits of x with this output replaced by the activation given (Ablation-CAM's ablated copies).
/// </summary>
[JsonConverter(typeof(ModelOutputConverter))]
public sealed record ModelOutput(string Name, TokenLayout? Tokens = null, string? ForwardWith = null);

/// <summary>Reads an output given as a string or as an object, and writes it back the same way.</summary>
internal sealed class ModelOutputConverter : JsonConverter<ModelOutput>
{
    private sealed record Form(string? Name, TokenLayout? Tokens, string? ForwardWith);

    public override ModelOutput Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String) return new ModelOutput(reader.GetString()!);
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("an output is a name or {\"name\": …, \"tokens\": {…}, \"forwardWith\": …}");
        var form = JsonSerializer.Deserialize<Form>(ref reader, options)!;
        if (string.IsNullOrEmpty(form.Name)) throw new JsonException("an output needs a name");
        return new ModelOutput(form.Name, form.Tokens, form.ForwardWith);
    }

    public override void Write(Utf8JsonWriter writer, ModelOutput value, JsonSerializerOptions options)
    {
        if (value.Tokens is null && value.ForwardWith is null) writer.WriteStringValue(value.Name);
        else JsonSerializer.Serialize(writer, new Form(value.Name, value.Tokens, value.ForwardWith), options);
    }
}
