using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Engram.Explorer.Tests.Support;

namespace Engram.Explorer.Tests;

/// <summary>Readers of a store's explorer while it is written to: each request sees one committed state, whole.</summary>
public sealed class StoreConcurrencyTests
{
    private const int Writes = 100;

    [Fact]
    public async Task Recalls_listings_and_images_while_100_items_are_added_and_forgotten_each_see_one_committed_state()
    {
        // Given a store of 20 emoji, and the states it will go through: the ids in order after each write, starting with these
        await using StoreExplorer explorer = await StoreExplorer.ImagesAndCaptionsAsync(20, available: 80);
        var present = explorer.Emoji.Take(20).Select(e => e.Id).ToList();
        var states = new List<string[]> { present.ToArray() };
        var captions = new ConcurrentBag<string>(explorer.Emoji.Take(20).Select(e => e.Caption!));
        using var done = new CancellationTokenSource();

        // When one client adds and forgets items through the API (two adds, then a forget of the oldest item added and still there)
        Task writer = Task.Run(async () =>
        {
            try
            {
                var added = new Queue<string>();
                for (int k = 0; k < Writes; k++)
                {
                    if (k % 3 == 2)
                    {
                        string id = added.Dequeue();
                        var (status, body) = await explorer.SendAsync(HttpMethod.Delete, $"/api/items/{id}");
                        Assert.True(status == 200, body.ToString());
                        present.Remove(id);
                    }
                    else
                    {
                        string id = $"added-{k}", caption = $"added item number {k} with a caption of its own";
                        captions.Add(caption);
                        var (status, body) = await explorer.AddAsync(explorer.Png(20 + (k % 60)), caption, id);
                        Assert.True(status == 201, body.ToString());
                        added.Enqueue(id);
                        present.Add(id);
                    }

                    states.Add([.. present]);
                }
            }
            finally
            {
                await done.CancelAsync();
            }
        });

        // And, meanwhile, three clients recall by caption, one lists every item and one fetches stored images by index
        var recalls = new ConcurrentBag<(int Status, JsonElement Body)>();
        var listings = new ConcurrentBag<(int Status, JsonElement Body)>();
        var images = new ConcurrentBag<int>();
        Task[] readers =
        [
            .. Enumerable.Range(0, 3).Select(r => Task.Run(async () =>
            {
                var random = new Random(r);
                while (!done.IsCancellationRequested)
                {
                    string[] known = [.. captions];
                    using HttpResponseMessage response = await explorer.Client.PostAsJsonAsync("/api/recall", new { text = known[random.Next(known.Length)], runners_up = 5 });
                    recalls.Add(((int)response.StatusCode, await ExplorerServer.ReadJsonAsync(response)));
                }
            })),
            Task.Run(async () =>
            {
                while (!done.IsCancellationRequested)
                {
                    using HttpResponseMessage response = await explorer.Client.GetAsync(new Uri("/api/items?limit=1000", UriKind.Relative));
                    listings.Add(((int)response.StatusCode, await ExplorerServer.ReadJsonAsync(response)));
                }
            }),
            Task.Run(async () =>
            {
                var random = new Random(7);
                while (!done.IsCancellationRequested)
                {
                    using HttpResponseMessage response = await explorer.Client.GetAsync(new Uri($"/api/items/{random.Next(60)}/image.png", UriKind.Relative));
                    images.Add((int)response.StatusCode);
                }
            }),
        ];
        await writer;
        await Task.WhenAll(readers);

        // Then nothing failed: every recall and listing was answered, and every image was served or was past the end of its state
        Assert.Equal(Writes + 1, states.Count);
        Assert.NotEmpty(recalls);
        Assert.NotEmpty(listings);
        Assert.All(recalls, r => Assert.True(r.Status == 200, $"{r.Status}: {r.Body}"));
        Assert.All(listings, l => Assert.True(l.Status == 200, $"{l.Status}: {l.Body}"));
        Assert.All(images, status => Assert.True(status is 200 or 404, $"an image by index answered {status}"));

        // And every listing is exactly one committed state, in order
        foreach (var (_, body) in listings)
        {
            string[] ids = [.. body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()!)];
            Assert.Equal(ids.Length, body.GetProperty("count").GetInt32());
            Assert.True(states.Any(s => s.SequenceEqual(ids)), $"a listing of {ids.Length} items is none of the committed states");
        }

        // And every recall's item and runners-up, each with its index, belong to one committed state
        foreach (var (_, body) in recalls)
        {
            (int Index, string Id)[] named =
            [
                (body.GetProperty("item_index").GetInt32(), body.GetProperty("item_id").GetString()!),
                .. body.GetProperty("runners_up").EnumerateArray().Select(r => (r.GetProperty("index").GetInt32(), r.GetProperty("id").GetString()!)),
            ];
            Assert.True(
                states.Any(s => named.All(n => n.Index < s.Length && s[n.Index] == n.Id)),
                $"recalled {string.Join(", ", named.Select(n => $"{n.Index}:{n.Id}"))}, which no committed state holds together");
        }

        // And the store holds the last state
        Assert.Equal(states[^1], explorer.Store.List().Select(i => i.Id));
    }
}
