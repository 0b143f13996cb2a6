# Nomad: a service job running `count` calf workers, each with 4 slots.
#   nomad job run calf-worker.nomad.hcl
# The token comes from Nomad Variables (nomad var put nomad/jobs/calf-worker token=...).
job "calf-worker" {
  type = "service"

  group "workers" {
    count = 4

    task "worker" {
      driver = "exec"
      # SIGTERM: the worker gives back its unfinished datums, exit 0.
      kill_signal  = "SIGTERM"
      kill_timeout = "30s"

      config {
        command = "/usr/local/bin/calf"
        args = ["worker", "--join", "http://calf-serve.service.consul:7070", "--slots", "4",
                "--work-dir", "${NOMAD_TASK_DIR}/work", "--name", "${node.unique.name}-${NOMAD_ALLOC_INDEX}",
                "--pipelines", "/srv/calf/pipelines"]
      }

      template {
        destination = "secrets/calf.env"
        env         = true
        data        = <<EOT
CALF_API_TOKEN={{ with nomadVar "nomad/jobs/calf-worker" }}{{ .token }}{{ end }}
EOT
      }

      resources {
        cpu    = 4000
        memory = 4096
      }
    }
  }
}
