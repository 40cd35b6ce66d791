using System.Net.Http.Json;
using System.Text.Json;
using Engram.Explorer.Tests.Support;

namespace Engram.Explorer.Tests;

/// <summary><c>item</c> in <c>POST /api/recall</c> names a stored item by its id, as <c>engram recall --item</c> does, or by its index.</summary>
[Collection(ExplorerServerDefinition.Name)]
public sealed class ItemByIdTests(ExplorerServer server)
{
    [Fact]
    public async Task Should_recall_from_the_stored_image_of_the_item_whose_id_is_given()
    {
        // Given an item's id, as GET /api/items lists it
        const int index = 11;
        string id = server.Emoji[index].Id;

        // When it is the image cue, by id and by index
        var (status, byId) = await server.RecallAsync(new { item = id, occlude = "bottom-half" });
        var (_, byIndex) = await server.RecallAsync(new { item = index, occlude = "bottom-half" });

        // Then both cue the same stored image, the cue reports the item's index, and the item comes back
        Assert.Equal(200, status);
        Assert.Equal(index, byId.GetProperty("cue").GetProperty("item").GetInt32());
        Assert.Equal(byIndex.GetProperty("cue_png").GetString(), byId.GetProperty("cue_png").GetString());
        Assert.Equal(id, byId.GetProperty("item_id").GetString());
    }

    [Fact]
    public async Task Should_answer_404_naming_an_unknown_id()
    {
        // When
        using HttpResponseMessage response = await server.Client.PostAsJsonAsync("/api/recall", new { item = "no-such-emoji" });
        JsonElement body = await ExplorerServer.ReadJsonAsync(response);

        // Then
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal(
            $"No item has the id 'no-such-emoji': give the id of a stored item (GET /api/items lists them), or its index as a number, 0 to {ExplorerServer.ItemCount - 1}.",
            body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Should_take_a_string_as_an_id_not_as_an_index()
    {
        // Given a string of digits that is no item's id
        Assert.DoesNotContain(server.Emoji, e => e.Id == "3");

        // When
        using HttpResponseMessage response = await server.Client.PostAsJsonAsync("/api/recall", new { item = "3" });

        // Then it is refused as an id, not read as index 3
        Assert.Equal(404, (int)response.StatusCode);
        Assert.Contains("No item has the id '3'", (await ExplorerServer.ReadJsonAsync(response)).GetProperty("error").GetString(), StringComparison.Ordinal);
    }
}
