"""iam-catalog: the AWS IAM permissions of Teleport's services, from one YAML catalog."""
