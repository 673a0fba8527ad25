using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Google.Api;
using Google.Protobuf.Reflection;

namespace Vault.Gateway;

/// <summary>
/// A minimal OpenAPI 3 document of the REST routes, built from the proto's http annotations (the
/// same source JSON transcoding serves from): paths, methods, parameters, request and response
/// schemas. RPCs without an http annotation (streams) are gRPC only and are absent.
/// </summary>
public static partial class OpenApiDocument
{
    public static string Build(string version)
    {
        var paths = new JsonObject();
        var schemas = new JsonObject();
        foreach (var method in V1.VaultService.Descriptor.Methods)
        {
            if (HttpRuleOf(method) is not { } rule)
            {
                continue;
            }

            var (verb, route) = rule.PatternCase switch
            {
                HttpRule.PatternOneofCase.Get => ("get", rule.Get),
                HttpRule.PatternOneofCase.Post => ("post", rule.Post),
                HttpRule.PatternOneofCase.Put => ("put", rule.Put),
                HttpRule.PatternOneofCase.Delete => ("delete", rule.Delete),
                HttpRule.PatternOneofCase.Patch => ("patch", rule.Patch),
                _ => ("", ""),
            };
            if (verb.Length == 0)
            {
                continue;
            }

            var routeFields = RouteParameter().Matches(route).Select(m => m.Groups[1].Value).ToHashSet();
            var parameters = new JsonArray();
            foreach (var field in method.InputType.Fields.InFieldNumberOrder())
            {
                var inPath = routeFields.Contains(field.Name);
                if (inPath || (rule.Body != "*" && field.FieldType != FieldType.Message))
                {
                    parameters.Add(new JsonObject
                    {
                        ["name"] = inPath ? field.Name : field.JsonName,
                        ["in"] = inPath ? "path" : "query",
                        ["required"] = inPath,
                        ["schema"] = Schema(field, schemas),
                    });
                }
            }

            var operation = new JsonObject
            {
                ["operationId"] = method.Name,
                ["summary"] = method.Name,
                ["parameters"] = parameters,
                ["responses"] = new JsonObject
                {
                    ["200"] = new JsonObject
                    {
                        ["description"] = method.IsServerStreaming ? "a stream of messages" : "success",
                        ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(method.OutputType, schemas) } },
                    },
                    ["default"] = new JsonObject
                    {
                        ["description"] = "an RFC 7807 problem",
                        ["content"] = new JsonObject { [ProblemDetailsMiddleware.ContentType] = new JsonObject { ["schema"] = new JsonObject { ["type"] = "object" } } },
                    },
                },
                ["security"] = new JsonArray(new JsonObject { ["bearer"] = new JsonArray() }),
            };
            // body "*": the whole request; body "<field>": that message field alone.
            var body = rule.Body == "*" ? method.InputType : method.InputType.FindFieldByName(rule.Body)?.MessageType;
            if (body is not null)
            {
                operation["requestBody"] = new JsonObject
                {
                    ["required"] = true,
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = Ref(body, schemas) } },
                };
            }

            var path = (JsonObject)(paths[route] ??= new JsonObject());
            path[verb] = operation;
        }

        var document = new JsonObject
        {
            ["openapi"] = "3.0.3",
            ["info"] = new JsonObject { ["title"] = "Vault API", ["version"] = version },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["securitySchemes"] = new JsonObject { ["bearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer" } },
            },
        };
        return document.ToJsonString();
    }

    /// <summary>
    /// The method's google.api.http option, read from the serialized options rather than through a typed
    /// extension, so that it works whichever assembly's copy of HttpRule the descriptor was loaded with.
    /// </summary>
    public static HttpRule? HttpRuleOf(MethodDescriptor method)
    {
        if (method.GetOptions() is not { } options)
        {
            return null;
        }

        var input = new Google.Protobuf.CodedInputStream(Google.Protobuf.MessageExtensions.ToByteArray(options));
        uint tag;
        while ((tag = input.ReadTag()) != 0)
        {
            if (Google.Protobuf.WireFormat.GetTagFieldNumber(tag) == AnnotationsExtensions.Http.FieldNumber)
            {
                return HttpRule.Parser.ParseFrom(input.ReadBytes());
            }

            input.SkipLastField();
        }

        return null;
    }

    private static JsonObject Ref(MessageDescriptor message, JsonObject schemas)
    {
        AddSchema(message, schemas);
        return new JsonObject { ["$ref"] = "#/components/schemas/" + message.Name };
    }

    private static void AddSchema(MessageDescriptor message, JsonObject schemas)
    {
        if (schemas.ContainsKey(message.Name))
        {
            return;
        }

        var properties = new JsonObject();
        schemas[message.Name] = new JsonObject { ["type"] = "object", ["properties"] = properties };
        foreach (var field in message.Fields.InFieldNumberOrder())
        {
            properties[field.JsonName] = Schema(field, schemas);
        }
    }

    private static JsonNode Schema(FieldDescriptor field, JsonObject schemas)
    {
        JsonNode single = field.FieldType switch
        {
            FieldType.Bool => new JsonObject { ["type"] = "boolean" },
            FieldType.Int32 or FieldType.UInt32 or FieldType.SInt32 or FieldType.Fixed32 or FieldType.SFixed32 => new JsonObject { ["type"] = "integer", ["format"] = "int32" },
            FieldType.Int64 or FieldType.UInt64 or FieldType.SInt64 or FieldType.Fixed64 or FieldType.SFixed64 => new JsonObject { ["type"] = "string", ["format"] = "int64" },
            FieldType.Double or FieldType.Float => new JsonObject { ["type"] = "number" },
            FieldType.Bytes => new JsonObject { ["type"] = "string", ["format"] = "byte" },
            FieldType.Enum => new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. field.EnumType.Values.Select(v => (JsonNode)JsonValue.Create(v.Name))]) },
            FieldType.Message when field.MessageType.FullName == "google.protobuf.Timestamp" => new JsonObject { ["type"] = "string", ["format"] = "date-time" },
            FieldType.Message => Ref(field.MessageType, schemas),
            _ => new JsonObject { ["type"] = "string" },
        };
        return field.IsRepeated ? new JsonObject { ["type"] = "array", ["items"] = single } : single;
    }

    [GeneratedRegex(@"\{([a-z_]+)\}")]
    private static partial Regex RouteParameter();
}
