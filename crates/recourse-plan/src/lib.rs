//! Terraform plan analysis and the plan/approval lifecycle for the Recourse gateway (being built: see the plan issue).
