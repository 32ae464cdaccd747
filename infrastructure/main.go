// Command infrastructure is the Pulumi program that provisions DTBase on Azure and deploys the
// handler package: `pulumi up` in this directory (see the Deployment section of the README).
package main

import "github.com/pulumi/pulumi/sdk/v3/go/pulumi"

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := deploy(ctx)
		return err
	})
}
