"""iam-catalog: the AWS IAM permissions of the Teleport Database Service, from one YAML catalog."""
