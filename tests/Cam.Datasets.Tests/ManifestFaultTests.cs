using System.Text;
using System.Text.Json;

namespace Cam.Datasets.Tests;

/// <summary>Every manifest line yields exactly one item: a fault of one line is that item's error, never an exception.</summary>
public class ManifestFaultTests
{
    private static async Task<List<DatasetItem>> ReadAsync(TempFolder root, string name, string text)
    {
        var manifest = root.File(name, text);
        return await DatasetSources.Open(manifest).EnumerateAsync().ToListAsync();
    }

    /// <summary>What the scheduler does with an item: its boxes as JSON, its texts stored (PostgreSQL text cannot hold NUL).</summary>
    private static void AssertStorable(DatasetItem item)
    {
        JsonSerializer.Serialize(item.Boxes.Select(b => new[] { b.X0, b.Y0, b.X1, b.Y1 }));
        Assert.True(item.Boxes.All(b => float.IsFinite(b.X0) && float.IsFinite(b.Y0) && float.IsFinite(b.X1) && float.IsFinite(b.Y1)));
        foreach (var text in new[] { item.Id, item.Path, item.Label, item.Error })
            if (text is not null)
            {
                Assert.DoesNotContain('\0', text);
                new UTF8Encoding(false, throwOnInvalidBytes: true).GetByteCount(text); // Npgsql's encoder: throws on lone surrogates
            }
    }

    [Fact]
    public async Task A_null_box_in_json_lines_is_an_item_error_and_enumeration_goes_on()
    {
        using var root = new TempFolder();
        var items = await ReadAsync(root, "m.jsonl", string.Join('\n',
            """{"path":"images/00001.png","boxes":[null]}""",
            """{"path":"images/00002.png","boxes":[[0,null,4,4]]}""",
            """{"path":"images/00003.png","boxes":[[0,0,4]]}""",
            """{"path":"images/00004.png","boxes":[5]}""",
            """{"path":"images/00005.png","boxes":{"x0":1}}""",
            """{"path":"images/00006.png","boxes":[[0,0,"4",4]]}""",
            """{"path":null}""",
            """{"path":7}""",
            """[1,2]""",
            """null""",
            """{"path":"images/00007.png","label":"circle","boxes":[[1,2,10,12]]}""",
            """{"path":"images/00008.png","boxes":null}"""));
        Assert.Equal(12, items.Count);
        Assert.Equal(Enumerable.Range(0, 12).Select(i => (long)i), items.Select(i => i.Number));
        Assert.All(items[..10], i => Assert.NotNull(i.Error));
        Assert.Contains("line 1", items[0].Error);
        Assert.Contains("box", items[0].Error);
        Assert.Contains("line 2", items[1].Error);
        Assert.Null(items[10].Error);
        Assert.Equal(new Box(1, 2, 10, 12), items[10].Boxes.Single());
        Assert.Null(items[11].Error);
        Assert.Empty(items[11].Boxes);
        Assert.All(items, AssertStorable);
    }

    [Theory]
    [InlineData("NaN,0,10,10")]
    [InlineData("0,0,NaN,10")]
    [InlineData("0,0,Infinity,10")]
    [InlineData("-Infinity,0,10,10")]
    [InlineData("0,0,1e39,10")]
    [InlineData("20,0,10,10")]
    [InlineData("0,10,10,10")]
    [InlineData("0,0,1e30,10")]
    [InlineData("-5,0,10,10")]
    [InlineData("0,0,,10")]
    [InlineData("0,0,ten,10")]
    public async Task A_csv_box_that_is_not_finite_ordered_and_in_range_is_an_item_error(string box)
    {
        using var root = new TempFolder();
        var items = await ReadAsync(root, "m.csv",
            $"path,label,x0,y0,x1,y1\nimages/00001.png,circle,{box}\nimages/00002.png,circle,0,0,4.5,16777216\n");
        Assert.Equal(2, items.Count);
        Assert.NotNull(items[0].Error);
        Assert.Contains("box", items[0].Error);
        Assert.Null(items[1].Error);
        Assert.Equal(new Box(0, 0, 4.5f, 16777216), items[1].Boxes.Single());
        Assert.All(items, AssertStorable);
    }

    [Fact]
    public async Task Json_lines_numbers_beyond_float_range_are_item_errors()
    {
        using var root = new TempFolder();
        var items = await ReadAsync(root, "m.jsonl",
            "{\"path\":\"a.png\",\"boxes\":[[0,0,1e39,10]]}\n{\"path\":\"b.png\",\"boxes\":[[0,0,1e400,10]]}\n{\"path\":\"c.png\",\"boxes\":[[0,0," +
                "NaN,10]]}\n{\"path\":\"d.png\",\"boxes\":[[0,0,3,10]]}\n");
        Assert.Equal(4, items.Count);
        Assert.All(items[..3], i => Assert.NotNull(i.Error));
        Assert.Null(items[3].Error);
        Assert.All(items, AssertStorable);
    }

    [Fact]
    public async Task A_nul_character_in_a_path_or_label_is_an_item_error_stored_with_an_escaped_text()
    {
        using var root = new TempFolder();
        var csv = await ReadAsync(root, "m.csv", "path,label\nimages/a\0b.png,circle\nimages/c.png,cir\0cle\nimages/d.png,circle\n");
        Assert.Equal(3, csv.Count);
        Assert.Contains("NUL", csv[0].Error);
        Assert.Equal("images/a\\0b.png", csv[0].Path);
        Assert.Contains("NUL", csv[1].Error);
        Assert.Equal("cir\\0cle", csv[1].Label);
        Assert.Null(csv[2].Error);
        Assert.All(csv, AssertStorable);

        var json = await ReadAsync(root, "m.jsonl",
            "{\"path\":\"images/a\\u0000b.png\"}\n{\"path\":\"images/\\ud800.png\"}\n{\"path\":\"images/d.png\",\"label\":\"x\\u0000\"}\n");
        Assert.Equal(3, json.Count);
        Assert.All(json, i => Assert.NotNull(i.Error));
        Assert.Equal("images/a\\0b.png", json[0].Path);
        Assert.All(json, AssertStorable);
    }

    [Fact]
    public async Task An_overlong_path_line_or_too_many_boxes_are_item_errors()
    {
        using var root = new TempFolder();
        var longPath = new string('a', 5000) + ".png";
        var manyBoxes = "[" + string.Join(',', Enumerable.Repeat("[0,0,1,1]", 2000)) + "]";
        var endless = new string('x', ManifestSource.MaxLineChars * 3);
        var items = await ReadAsync(root, "m.jsonl",
            $"{{\"path\":\"{longPath}\"}}\n{{\"path\":\"a.png\",\"boxes\":{manyBoxes}}}\n{{\"path\":\"b.png\"}}\r\n{endless}\r\n" +
            $"{{\"path\":\"c.png\"}}");
        Assert.Equal(5, items.Count);
        Assert.Contains("line 4: longer than", items[3].Error);
        Assert.Equal("c.png", items[4].Path);
        Assert.Contains("long", items[0].Error);
        Assert.EndsWith("…", items[0].Path);
        Assert.Equal(ItemChecks.MaxPathLength + 1, items[0].Path.Length);
        Assert.Contains("boxes", items[1].Error);
        Assert.Null(items[2].Error);
    }

    [Fact]
    public async Task Random_garbage_lines_each_become_one_item_and_never_stop_enumeration()
    {
        using var root = new TempFolder();
        var random = new Random(12);
        var fragments = new[] { "{", "}", "[", "]", "\"path\"", ":", ",", "null", "\"a.png\"", "\"boxes\"", "1e999", "-0", "NaN", "\\u0000", "\"",
            "\0", "\\ud800", "\\udc00\\ud800", "true", "[[", "]]", "9" };
        var lines = Enumerable.Range(0, 300)
            .Select(_ => string.Concat(Enumerable.Range(0, random.Next(1, 14)).Select(_ => fragments[random.Next(fragments.Length)])))
            .Select(l => l.Replace('\n', ' ')).Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        foreach (var (name, header) in new[] { ("g.jsonl", ""), ("g.csv", "path,label,x0,y0,x1,y1\n") })
        {
            var items = await ReadAsync(root, name, header + string.Join('\n', lines) + "\n");
            Assert.Equal(lines.Count, items.Count);
            Assert.All(items, AssertStorable);
        }
    }
}
