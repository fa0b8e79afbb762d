import Foundation
import SidecarTestSupport
import Testing

/// config/kubernetes/*.yaml as JSON objects (every document of every file), parsed by PyYAML.
func kubernetesDocuments() throws -> [(file: String, object: [String: Any])] {
    let directory = repositoryRoot.appendingPathComponent("config/kubernetes")
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".yaml") }.sorted()
    let venv = repositoryRoot.appendingPathComponent(".venv-sdk/bin/python").path
    let python = FileManager.default.isExecutableFile(atPath: venv) ? venv : "/usr/bin/env"
    let script = "import json, sys, yaml; print(json.dumps([list(yaml.safe_load_all(open(f))) for f in sys.argv[1:]]))"
    let arguments = (python == venv ? [] : ["python3"]) + ["-c", script] + files.map { directory.appendingPathComponent($0).path }
    let result = try ProcessRunner.run(python, arguments)
    guard result.status == 0 else { throw RawClient.ClientError(description: "PyYAML could not parse config/kubernetes: \(result.error)") }
    let perFile = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[Any]])
    return zip(files, perFile).flatMap { file, documents in documents.compactMap { $0 as? [String: Any] }.map { (file, $0) } }
}

/// The settings every manifest may use: the keys of config/sidecar.example.json.
func settingNames() throws -> Set<String> {
    let data = try Data(contentsOf: repositoryRoot.appendingPathComponent("config/sidecar.example.json"))
    let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    return Set(object.keys.filter { !$0.hasPrefix("//") })
}

/// The image's defaults, read from the Dockerfile: `ENV` values, `USER`, `EXPOSE`.
struct DockerfileFacts {
    var env: [String: String] = [:]
    var user: String?
    var exposed: [Int] = []

    init() throws {
        let text = try String(contentsOf: repositoryRoot.appendingPathComponent("Dockerfile"), encoding: .utf8)
        let joined = text.replacingOccurrences(of: "\\\n", with: " ")
        for line in joined.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("ENV ") {
                for pair in line.dropFirst(4).split(separator: " ") where pair.contains("=") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    env[String(parts[0])] = String(parts[1])
                }
            } else if line.hasPrefix("USER ") {
                user = String(line.dropFirst(5))
            } else if line.hasPrefix("EXPOSE ") {
                exposed += line.dropFirst(7).split(separator: " ").compactMap { Int($0) }
            }
        }
    }
}

extension Dictionary where Key == String, Value == Any {
    func object(_ key: String) -> [String: Any] { self[key] as? [String: Any] ?? [:] }
    func objects(_ key: String) -> [[String: Any]] { self[key] as? [[String: Any]] ?? [] }
}

@Suite("config/kubernetes manifests")
struct ManifestTests {
    /// Settings of DESIGN.md §12 and §13 that another change adds to the settings table; the
    /// manifests may name them before config/sidecar.example.json does.
    static let settingsBeingAdded: Set<String> = [
        "SIDECAR_WEBHOOK_SECRET", "SIDECAR_WEBHOOK_HOST", "SIDECAR_WEBHOOK_PORT", "SIDECAR_REDIS_URL",
        "SIDECAR_FLEET_NAMESPACE", "SIDECAR_FLEET_UPSTREAM_RPS", "SIDECAR_FLEET_USAGE_RPS",
    ]

    @Test("the Dockerfile runs as a numeric non-root user and exposes the default port")
    func dockerfile() throws {
        let facts = try DockerfileFacts()
        let user = try #require(facts.user)
        let uid = try #require(Int(user.split(separator: ":")[0]), "USER must be numeric for runAsNonRoot: \(user)")
        #expect(uid != 0)
        #expect(facts.exposed.contains(8787))
        #expect(facts.env["SIDECAR_HOST"] == "0.0.0.0")
    }

    @Test("every sidecar container: numeric non-root user, known settings, API key from a Secret, probes that reach it, DB on a volume, grace above the shutdown grace")
    func sidecarContainers() throws {
        let documents = try kubernetesDocuments()
        let settings = try settingNames().union(Self.settingsBeingAdded)
        let facts = try DockerfileFacts()
        let imageUID = Int(facts.user!.split(separator: ":")[0])!
        let secrets = documents.filter { $0.object["kind"] as? String == "Secret" }
        let secretKeys = Dictionary(secrets.map { (($0.object.object("metadata")["name"] as? String) ?? "", Set($0.object.object("stringData").keys)) },
                                    uniquingKeysWith: { $0.union($1) })
        var checked = 0
        for (file, document) in documents where document["kind"] as? String == "Deployment" {
            let pod = document.object("spec").object("template").object("spec")
            for container in pod.objects("containers") where (container["image"] as? String)?.hasPrefix("entitlement-sidecar") == true {
                checked += 1
                let context = "\(file) \(container["name"] ?? "?")"
                let security = container.object("securityContext")
                let podSecurity = pod.object("securityContext")
                #expect((security["runAsNonRoot"] ?? podSecurity["runAsNonRoot"]) as? Bool == true, "\(context)")
                #expect(security["runAsUser"] as? Int == imageUID, "\(context): runAsUser must be the image's USER")
                #expect(podSecurity["fsGroup"] as? Int == imageUID, "\(context): the volume must be writable by the image's user")

                var env: [String: String] = facts.env
                for variable in container.objects("env") {
                    let name = try #require(variable["name"] as? String)
                    if ["SIDECAR_", "STIGG_", "ENTITLEMENTS_"].contains(where: name.hasPrefix) {
                        #expect(settings.contains(name), "\(context): \(name) is no setting")
                    }
                    if let value = variable["value"] as? String { env[name] = value }
                    if let reference = variable.object("valueFrom")["secretKeyRef"] as? [String: Any] {
                        env[name] = "<secret>"
                        let secret = reference["name"] as? String ?? ""
                        let key = reference["key"] as? String ?? ""
                        #expect(secretKeys[secret]?.contains(key) == true, "\(context): \(secret)/\(key) is not in secret.example.yaml")
                    }
                }
                let apiKey = container.objects("env").first { $0["name"] as? String == "STIGG_API_KEY" }
                #expect(apiKey?.object("valueFrom")["secretKeyRef"] != nil, "\(context): STIGG_API_KEY must come from a Secret")

                // Ports: the listeners the settings open are the container's ports.
                let ports = Dictionary(container.objects("ports").map { ($0["name"] as? String ?? "", $0["containerPort"] as? Int ?? 0) },
                                       uniquingKeysWith: { first, _ in first })
                let mainPort = Int(env["SIDECAR_PORT"] ?? "8787")
                #expect(ports.values.contains { $0 == mainPort }, "\(context): SIDECAR_PORT \(mainPort ?? -1) is no containerPort")
                let webhookPort = env["SIDECAR_WEBHOOK_PORT"].flatMap { Int($0) }
                if let webhookPort { #expect(ports.values.contains(webhookPort), "\(context): SIDECAR_WEBHOOK_PORT is no containerPort") }

                // Probes: HTTP probes come from the kubelet on the pod IP, so they need a listener
                // bound beyond loopback, on a route open without the token.
                let probes = ["livenessProbe", "readinessProbe", "startupProbe"].compactMap { name in
                    (container[name] as? [String: Any]).map { (name, $0) }
                }
                #expect(probes.contains { $0.0 == "readinessProbe" }, "\(context): no readiness probe")
                for (name, probe) in probes {
                    if let http = probe["httpGet"] as? [String: Any] {
                        let path = http["path"] as? String ?? ""
                        #expect(["/livez", "/readyz"].contains(path), "\(context) \(name): \(path) needs the token or does not exist")
                        let port = (http["port"] as? Int) ?? ports[http["port"] as? String ?? ""] ?? -1
                        let host: String
                        if port == mainPort {
                            host = env["SIDECAR_HOST"] ?? "127.0.0.1"
                        } else if port == webhookPort {
                            host = env["SIDECAR_WEBHOOK_HOST"] ?? "0.0.0.0"
                        } else {
                            Issue.record("\(context) \(name): port \(http["port"] ?? "?") is no listener")
                            continue
                        }
                        #expect(!["127.0.0.1", "::1", "localhost"].contains(host), "\(context) \(name): the listener is on loopback, the kubelet cannot reach it")
                        if name == "livenessProbe" { #expect(path == "/livez", "\(context): liveness must not depend on Stigg") }
                    } else if let exec = probe["exec"] as? [String: Any] {
                        #expect(exec["command"] as? [String] == ["entitlement-sidecar", "health"], "\(context) \(name)")
                        #expect(name != "livenessProbe", "\(context): health follows /readyz, which depends on Stigg")
                    } else {
                        Issue.record("\(context) \(name): neither httpGet nor exec")
                    }
                }

                // The database lives on a mounted volume.
                let dbPath = env["SIDECAR_DB_PATH"] ?? "./sidecar.sqlite"
                let directory = (dbPath as NSString).deletingLastPathComponent
                let mounts = container.objects("volumeMounts").compactMap { $0["mountPath"] as? String }
                #expect(mounts.contains(directory), "\(context): \(directory) is not a volume")
                let volumes = Set(pod.objects("volumes").compactMap { $0["name"] as? String })
                #expect(container.objects("volumeMounts").allSatisfy { volumes.contains($0["name"] as? String ?? "") }, "\(context)")

                // SIGTERM: the drain and the final flush end within SIDECAR_SHUTDOWN_GRACE; the
                // kubelet must wait longer than that before SIGKILL.
                let grace = Int((env["SIDECAR_SHUTDOWN_GRACE"] ?? "10s").dropLast()) ?? 10
                let podGrace = pod["terminationGracePeriodSeconds"] as? Int ?? 30
                #expect(podGrace >= grace + 5, "\(context): terminationGracePeriodSeconds \(podGrace) is not above the grace \(grace)s")
            }
        }
        #expect(checked == 3)
    }

    @Test("Services point at named container ports; the webhook Service exposes nothing but the webhook port; the fleet's Redis URL names its Service")
    func services() throws {
        let documents = try kubernetesDocuments()
        for (file, document) in documents where document["kind"] as? String == "Service" {
            let selector = document.object("spec").object("selector") as? [String: String] ?? [:]
            let pods = documents.filter { $0.file == file && $0.object["kind"] as? String == "Deployment" }
                .map { $0.object.object("spec").object("template") }
                .filter { template in selector.allSatisfy { (template.object("metadata").object("labels")[$0.key] as? String) == $0.value } }
            #expect(pods.count == 1, "\(file): the Service selects \(pods.count) Deployments")
            let portNames = Set(pods.flatMap { $0.object("spec").objects("containers").flatMap { $0.objects("ports") } }.compactMap { $0["name"] as? String })
            for port in document.object("spec").objects("ports") {
                #expect(portNames.contains(port["targetPort"] as? String ?? ""), "\(file): targetPort \(port["targetPort"] ?? "?")")
            }
            if (document.object("metadata")["name"] as? String)?.hasSuffix("webhooks") == true {
                #expect(document.object("spec").objects("ports").map { $0["targetPort"] as? String } == ["webhooks"])
            }
        }
        let fleet = documents.filter { $0.file == "fleet.yaml" }
        let redisService = try #require(fleet.first { $0.object["kind"] as? String == "Service" }?.object)
        let name = try #require(redisService.object("metadata")["name"] as? String)
        let port = try #require(redisService.object("spec").objects("ports").first?["port"] as? Int)
        let urls = fleet.flatMap { $0.object.object("spec").object("template").object("spec").objects("containers") }
            .flatMap { $0.objects("env") }.filter { $0["name"] as? String == "SIDECAR_REDIS_URL" }.compactMap { $0["value"] as? String }
        #expect(urls.count == 1 && urls.allSatisfy { $0.hasPrefix("redis://") && $0.contains("@\(name):\(port)/") }, "\(urls)")
    }
}
