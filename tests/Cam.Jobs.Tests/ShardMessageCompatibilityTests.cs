using System.Text.Json;
using System.Text.Json.Nodes;
using Cam.Contracts;
using MassTransit.Serialization;

namespace Cam.Jobs.Tests;

/// <summary>Shard messages stay readable across a rolling upgrade: what older workers read is still written, and what older schedulers wrote still
/// reads.</summary>
public class ShardMessageCompatibilityTests
{
    [Fact]
    public void An_item_is_serialised_with_its_number_and_the_itemId_older_workers_key_on()
    {
        var item = new ItemRef(41, "a/b.png", "circle", [new BoxRef(1, 2, 3, 4)]);
        var json = JsonNode.Parse(JsonSerializer.Serialize(item, SystemTextJsonMessageSerializer.Options))!;
        Assert.Equal(41, json["number"]!.GetValue<long>());
        Assert.Equal(41, json["itemId"]!.GetValue<long>());
        Assert.Equal("a/b.png", json["path"]!.GetValue<string>());
    }

    [Fact]
    public void An_item_written_by_an_older_scheduler_with_an_itemId_reads_by_its_number()
    {
        const string older = """{"itemId": 7, "number": 7, "path": "x.png", "label": null, "boxes": null}""";
        var item = JsonSerializer.Deserialize<ItemRef>(older, SystemTextJsonMessageSerializer.Options)!;
        Assert.Equal(new ItemRef(7, "x.png"), item);
    }
}
