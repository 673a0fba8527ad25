// HAProxy's HTTP stats page with `stats admin` enabled, behind `stats auth USER:PASSWORD`. Reading is GET
// "<uri>;csv" (the same CSV as `show stat`); acting is the page's own form: POST "s=SERVER&action=ACTION&b=BACKEND",
// answered by a 303 whose Location ends in ";st=DONE" (applied), ";st=PART" (partly), ";st=NONE" (nothing to
// do), ";st=ERRP" (bad request), ";st=EXCD" (too long), ";st=DENY" (not admin) or ";st=UNKN".
// The page cannot set weights: that needs the runtime API.
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Vault.Grains.Failover.Engines;

namespace Vault.Grains.Failover.Traffic;

public sealed class HaproxyStatsPage(Uri url, string user, string password, TimeSpan timeout) : IHaproxyAdmin
{
    private static readonly HttpClient Http = new(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false, PooledConnectionLifetime = TimeSpan.FromMinutes(1) });

    public override string ToString() => $"HAProxy stats page {url}";

    public async Task SetStateAsync(string backend, string server, string state, CancellationToken cancellationToken)
    {
        var form = new FormUrlEncodedContent([new("s", server), new("action", state), new("b", backend)]);
        using var response = await SendAsync(HttpMethod.Post, url, form, $"action {state} on {backend}/{server}", cancellationToken);
        var location = response.Headers.Location?.ToString() ?? "";
        var status = location.LastIndexOf(";st=", StringComparison.Ordinal) is var i and >= 0 ? location[(i + 4)..] : "";
        if (response.StatusCode != HttpStatusCode.SeeOther || status is not ("DONE" or "NONE"))
        {
            throw new FailoverStepException($"{this} refused action {state} on {backend}/{server}: HTTP {(int)response.StatusCode}{(status.Length > 0 ? ", st=" + status + " (" + Explain(status) + ")" : "")}");
        }
    }

    public Task SetWeightAsync(string backend, string server, int weight, CancellationToken cancellationToken) =>
        throw new FailoverStepException($"{this} cannot set the weight of {backend}/{server}: HAProxy's stats page has no weight action; configure Traffic:RuntimeApi");

    public async Task<string> ShowStatAsync(CancellationToken cancellationToken)
    {
        var csvUrl = new Uri(url.GetLeftPart(UriPartial.Path) + ";csv");
        using var response = await SendAsync(HttpMethod.Get, csvUrl, null, "reading the CSV", cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        return response.StatusCode == HttpStatusCode.OK
            ? body
            : throw new FailoverStepException($"{this} answered HTTP {(int)response.StatusCode} to GET {csvUrl}{(response.StatusCode == HttpStatusCode.Unauthorized ? ": user or password refused (Traffic:StatsUser, Traffic:StatsPassword)" : "")}");
    }

    private static string Explain(string status) => status switch
    {
        "PART" => "applied to some servers only",
        "ERRP" => "HAProxy did not understand the request (unknown backend, server or action)",
        "EXCD" => "request too long",
        "DENY" => "the page is not in admin mode (stats admin)",
        _ => "unknown outcome",
    };

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri target, HttpContent? content, string what, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        using var request = new HttpRequestMessage(method, target) { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        try
        {
            var response = await Http.SendAsync(request, deadline.Token);
            if (response.StatusCode == HttpStatusCode.Unauthorized)
            {
                response.Dispose();
                throw new FailoverStepException($"{this} refused the user or password for {what} (HTTP 401; Traffic:StatsUser, Traffic:StatsPassword)");
            }

            return response;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new FailoverStepException($"{this} did not answer {what} within {timeout.TotalSeconds:0.#} s");
        }
        catch (HttpRequestException e)
        {
            throw new FailoverStepException($"{this} cannot be reached for {what}: {e.Message}", e);
        }
    }
}
